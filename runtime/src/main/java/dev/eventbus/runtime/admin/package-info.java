/**
 * The running instance's admin surface: the HTTP server (health, readiness, metrics, status) and
 * the admin gRPC API, and {@link dev.eventbus.runtime.admin.Operations}, which starts them beside a
 * runtime. An entry point: used by {@code cli} only; it may use the packages below it.
 */
package dev.eventbus.runtime.admin;
