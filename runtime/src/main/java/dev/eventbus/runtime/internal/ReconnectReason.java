package dev.eventbus.runtime.internal;

import java.util.Optional;

/**
 * Why a Redis client fails to reconnect now: while it does, Lettuce rejects every command with
 * "Currently not connected", which says nothing of why; {@link Errors#describe(Throwable,
 * ReconnectReason)} words such a failure with this instead. Internal to the runtime.
 */
@FunctionalInterface
public interface ReconnectReason {

    /** For a client whose reconnect attempts nobody watches: the failure points to readiness instead. */
    ReconnectReason UNKNOWN = Optional::empty;

    /** The latest reconnect attempt's failure, when no connection was made since. */
    Optional<Throwable> last();
}
