/**
 * Small helpers without a domain of their own (bytes, entry ids, error messages, failure streaks,
 * JSON), and {@code Loop}, the one loop primitive every background loop of the runtime runs on. The bottom of the runtime: every package may use it; it uses no other runtime package.
 */
package dev.eventbus.runtime.internal;
