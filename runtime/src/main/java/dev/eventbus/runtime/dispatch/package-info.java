/**
 * The second step: decodes an entry and calls its handler on a worker, with the plugin's class
 * loader, the handler timeout, bulkheads, per-subject lanes for ordered handlers, and the watchdog
 * of stuck workers; it acknowledges success and hands failures to {@code failure}. Used by
 * {@code consumer} and the assembly; it may use {@code failure} and the packages below it, never
 * {@code consumer}.
 */
package dev.eventbus.runtime.dispatch;
