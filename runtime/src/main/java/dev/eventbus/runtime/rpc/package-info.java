/**
 * The gRPC channels lent to handlers: one channel per configured service, with its TLS material
 * and call credentials, a circuit breaker, the delivery metadata (event id, attempt, idempotency
 * key, trace context) on every call, and failures explained (a TLS handshake's cause, UNIMPLEMENTED
 * as a configuration problem).
 * Used by {@code plugin}, the delivery path and above; it uses only {@code config} and {@code internal}.
 */
package dev.eventbus.runtime.rpc;
