package dev.eventbus.runtime.dispatch;

/**
 * What an ordering lane tells a subscription's slots about the entries that wait in it behind an
 * earlier event of their subject: such an entry holds a slot but cannot run until that event's
 * retry (or reclaim) comes back, which needs a slot of its own. Its slot is lent meanwhile, so that
 * entries waiting for retries can never take every slot the retry they wait for would need.
 *
 * <p>Implementations are thread-safe; both calls are made inside a lane's update, so they must
 * not block.
 */
public interface SlotLender {

    /** For lanes whose subscription lends nothing (unit tests). */
    SlotLender NONE = new SlotLender() {
        @Override
        public void lend() {}

        @Override
        public void takeBack() {}
    };

    /** An entry started waiting in a lane: its slot may serve a retry or a reclaim meanwhile. */
    void lend();

    /** A waiting entry left its lane (to run, or to stay pending when the lanes close). */
    void takeBack();
}
