/**
 * The plugin host: staging plugin JARs, admission, PF4J lifecycle, class loaders, hot reload, and
 * the handlers it loaded. Admission runs in PF4J's order, one class per check: {@link
 * dev.eventbus.runtime.plugin.JarInspector} (readable, descriptor, bundled libraries, {@link
 * dev.eventbus.runtime.plugin.AllowList}) before anything loads, {@link
 * dev.eventbus.runtime.plugin.EventbusPluginManager} (PF4J's seams) to load and start, {@link
 * dev.eventbus.runtime.plugin.PluginConfigs} for the plugin's config, {@link
 * dev.eventbus.runtime.plugin.HandlerAdmission} per handler, {@link
 * dev.eventbus.runtime.plugin.Claimants} across JARs (one plugin id or handler name claimed twice);
 * each refuses with an {@link dev.eventbus.runtime.plugin.AdmissionException}, kept in {@link
 * dev.eventbus.runtime.plugin.Refusals}.
 * Knows nothing of delivery: used by the delivery path and everything above it; it uses only
 * {@code rpc}, {@code config} and {@code internal}.
 */
package dev.eventbus.runtime.plugin;
