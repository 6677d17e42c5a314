/**
 * The vocabulary the delivery path shares: a {@code Subscription}, a {@code StreamEntry} and its
 * fields, the wire format's names ({@code WireFields}, {@code ReservedNames}) and its decoding
 * ({@code EventCodec}), the outcomes ({@code DeliveryObserver}, {@code Resolution},
 * {@code DeadLetterReason}), the {@code Acknowledger} that batches XACKs, and the {@code KeyLayout}
 * that names a subscription's other keys (as on one node, or hash-tagged for a Redis Cluster). Any package above may
 * use it; it uses only {@code plugin} (a subscription names its loaded handler), {@code config}
 * and {@code internal}.
 */
package dev.eventbus.runtime.stream;
