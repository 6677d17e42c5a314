/**
 * The gRPC channels lent to handlers: one channel per configured service, with a circuit breaker
 * and the delivery metadata (event id, attempt, idempotency key, trace context) on every call.
 * Used by {@code plugin}, the delivery path and above; it uses only {@code config}.
 */
package dev.eventbus.runtime.rpc;
