package dev.eventbus.runtime.dispatch;

/**
 * Acknowledges an entry whose outcome is durable: the runtime's {@code Acknowledger}, or a list in
 * unit tests. Never waits (the reader waits while too many acknowledgements are unconfirmed).
 */
@FunctionalInterface
interface Acks {
    void ack(String stream, String group, String id);
}
