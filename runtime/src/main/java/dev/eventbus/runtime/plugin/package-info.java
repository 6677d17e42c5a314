/**
 * The plugin host: staging plugin JARs, admission (manifest, allow-list, handler specs), PF4J
 * lifecycle, class loaders, hot reload, and the handlers it loaded. Knows nothing of delivery:
 * used by the delivery path and everything above it; it uses only {@code rpc}, {@code config}
 * and {@code internal}.
 */
package dev.eventbus.runtime.plugin;
