/**
 * Small helpers without a domain of their own (bytes, entry ids, error messages, failure streaks,
 * JSON). The bottom of the runtime: every package may use it; it uses no other runtime package.
 */
package dev.eventbus.runtime.internal;
