/**
 * The running instance's admin surface: the HTTP server (health, readiness, metrics, the plugin
 * reload) and the admin gRPC API, and {@link dev.eventbus.runtime.admin.AdminSurface}, which starts
 * them beside a runtime. An entry point: used by {@code cli} only; it may use the packages below it.
 * It reads the runtime through {@link dev.eventbus.runtime.RuntimeView} only; {@code AdminSurface}
 * alone makes the runtime itself.
 */
package dev.eventbus.runtime.admin;
