package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.CutCommands;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The lease a claim of the retry poller or the reclaimer runs under, checked by Redis in the same
 * script as the claim: the partition's lease key as the script's last key, owner and token as its
 * last two arguments. A round that passed its lease check and then stalled (a GC pause, SIGSTOP)
 * would otherwise move entries the new owner had claimed into this instance's pending list after
 * the lease was gone, where nothing runs them (this instance may not dispatch) until someone claims
 * them again, minutes later and after the subject's later events. {@link #NONE} for a subscription
 * that needs no owner: no key, no arguments, no check.
 */
record Fence(byte[] leaseKey, byte[] owner, byte[] token) {

    static final Fence NONE = new Fence(null, null, null);

    /** The fence of a round run by {@link PartitionGate#ifOwned} with {@code token}. */
    static Fence of(PartitionGate gate, long token) {
        return gate.gated()
                ? new Fence(Bytes.utf8(gate.leaseKey()), Bytes.utf8(gate.owner()), Bytes.utf8(Long.toString(token)))
                : NONE;
    }

    /**
     * Lua that ends the script with the error {@code FENCED} unless the lease at
     * {@code KEYS[leaseKey]} is held by the owner and token of the last two arguments, unexpired by
     * the server's time; nothing when the script has no such key (no fence).
     */
    static String guard(int leaseKey) {
        return "if KEYS[" + leaseKey + "] then "
                + "local t = redis.call('TIME') "
                + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
                + "local l = redis.call('HMGET', KEYS[" + leaseKey + "], 'owner', 'token', 'expires') "
                + "if l[1] ~= ARGV[#ARGV - 1] or l[2] ~= ARGV[#ARGV] or tonumber(l[3]) == nil "
                + "or tonumber(l[3]) <= now then return redis.error_reply('FENCED lease lost') end "
                + "end ";
    }

    boolean fenced() {
        return leaseKey != null;
    }

    /** {@code keys}, with the lease key last when fenced. */
    byte[][] keys(byte[]... keys) {
        if (!fenced()) {
            return keys;
        }
        byte[][] out = Arrays.copyOf(keys, keys.length + 1);
        out[keys.length] = leaseKey;
        return out;
    }

    /** {@code args}, with owner and token last when fenced. */
    byte[][] args(byte[]... args) {
        if (!fenced()) {
            return args;
        }
        byte[][] out = Arrays.copyOf(args, args.length + 2);
        out[args.length] = owner;
        out[args.length + 1] = token;
        return out;
    }

    /**
     * The round of a loop beside the reader (retry poller, reclaimer): {@code iteration} under the
     * lease while this instance owns the partition ({@link PartitionGate#ifOwned}), its claims
     * fenced by the lease's token. A {@code FENCED} reply marks the lease lost there and then and is
     * told to {@code lost}, not counted as a failure; a round cut by the client's close of its
     * connection runs again ({@link CutCommands#retriedOnceWhenCut}).
     */
    static Loop.Task ownedRound(PartitionGate gate, Consumer<Fence> iteration, LongConsumer lost) {
        return CutCommands.retriedOnceWhenCut(() -> gate.ifOwned(token -> {
            try {
                iteration.accept(of(gate, token));
            } catch (RuntimeException e) {
                if (!lost(e)) {
                    throw e;
                }
                gate.fenced(token);
                lost.accept(token);
            }
        }));
    }

    /** Whether a script's error says the lease was gone when it ran. */
    static boolean lost(Throwable t) {
        return t instanceof RedisCommandExecutionException
                && String.valueOf(t.getMessage()).startsWith("FENCED");
    }
}
