package dev.eventbus.faults;

import dev.eventbus.samples.orders.OrderServer.Behaviour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The randomized mode's fault kinds, one small class each: {@link Fault#inject} starts the fault,
 * {@link Fault#heal} ends it (instant faults heal at once). Each returns what it did, for the
 * report. {@link #ALL} names them for {@code -Dfault.kinds}. Stateless apart from what one fault
 * remembers between its inject and heal; each instance serves one planned fault.
 */
final class Faults {

    /** One kind of fault. */
    interface Fault {
        /** Which faults may not overlap with this one: "redis", "runtime-0"/"runtime-1" or "service". */
        String lockGroup(FaultSchedule.Planned planned);

        String inject(Nemesis nemesis, FaultSchedule.Planned planned) throws Exception;

        default String heal(Nemesis nemesis, FaultSchedule.Planned planned) throws Exception {
            return "";
        }
    }

    /** Every kind, by the name {@code -Dfault.kinds} uses. */
    static final Map<String, Supplier<Fault>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("runtime-kill9", RuntimeKill9::new);
        ALL.put("runtime-sigterm", RuntimeSigterm::new);
        ALL.put("redis-restart", RedisRestart::new);
        ALL.put("redis-kill9", RedisKill9::new);
        ALL.put("client-kill", ClientKill::new);
        ALL.put("client-pause", ClientPause::new);
        ALL.put("redis-sigstop", RedisSigstop::new);
        ALL.put("redis-oom", RedisOom::new);
        ALL.put("xtrim", Xtrim::new);
        ALL.put("xdel", Xdel::new);
        ALL.put("group-destroy", GroupDestroy::new);
        ALL.put("service-down", ServiceDown::new);
        ALL.put("service-slow", ServiceSlow::new);
        ALL.put("service-invalid", ServiceInvalid::new);
        ALL.put("plugin-reload", PluginReload::new);
    }

    private Faults() {}

    private abstract static class RedisFault implements Fault {
        @Override
        public String lockGroup(FaultSchedule.Planned planned) {
            return "redis";
        }
    }

    private abstract static class RuntimeFault implements Fault {
        @Override
        public String lockGroup(FaultSchedule.Planned planned) {
            return "runtime-" + planned.target();
        }
    }

    private abstract static class ServiceFault implements Fault {
        @Override
        public String lockGroup(FaultSchedule.Planned planned) {
            return "service";
        }

        @Override
        public String heal(Nemesis nemesis, FaultSchedule.Planned planned) {
            nemesis.rig.orders.behaviour(Behaviour.OK);
            return "service OK";
        }
    }

    /** kill -9 of one runtime instance; it restarts (same consumer name) when the fault heals. */
    static final class RuntimeKill9 extends RuntimeFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) throws Exception {
            n.instance(p.target()).kill9();
            return "kill -9 " + n.instance(p.target()).consumerName;
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) throws Exception {
            n.restart(p.target());
            return "restarted";
        }
    }

    /** SIGTERM of one runtime instance (it drains within its grace); it restarts when the fault heals. */
    static final class RuntimeSigterm extends RuntimeFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) throws Exception {
            RuntimeProcess rt = n.instance(p.target());
            rt.sigterm();
            Integer exit = rt.awaitExit(Duration.ofSeconds(30));
            if (exit == null) {
                n.violation("runtime " + rt.consumerName + " still running 30 s after SIGTERM");
                rt.kill9();
            }
            return "SIGTERM " + rt.consumerName + ", exit " + exit;
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) throws Exception {
            n.restart(p.target());
            return "restarted";
        }
    }

    /** Redis shut down (SIGTERM: AOF flushed) and started again on the same port and data. */
    static final class RedisRestart extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.stop();
            return "redis stopped";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.restart();
            return "redis started";
        }
    }

    /** kill -9 of Redis (appendfsync always, so nothing acknowledged is lost), restarted when it heals. */
    static final class RedisKill9 extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.kill();
            return "redis kill -9";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.restart();
            return "redis started";
        }
    }

    /** CLIENT KILL TYPE normal: every client connection (the runtimes', the producer's) dropped. */
    static final class ClientKill extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            return "killed " + n.rig.redis("CLIENT", "KILL", "TYPE", "normal") + " connections";
        }
    }

    /** CLIENT PAUSE ALL for the fault's duration (beyond the 2 s command timeout when it is long). */
    static final class ClientPause extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis("CLIENT", "PAUSE", Long.toString(p.forMillis()), "ALL");
            return "CLIENT PAUSE " + p.forMillis() + " ALL";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.retrying(() -> n.rig.redis("CLIENT", "UNPAUSE"));
            return "unpaused";
        }
    }

    /** SIGSTOP of Redis: connections stay open, nothing answers; SIGCONT when it heals. */
    static final class RedisSigstop extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.pause();
            return "redis SIGSTOP";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis.resume();
            return "redis SIGCONT";
        }
    }

    /** maxmemory 1: every write Redis would grow on fails with OOM (XADD, XACK's neighbours, dead letters). */
    static final class RedisOom extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.redis("CONFIG", "SET", "maxmemory", "1");
            return "maxmemory 1";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.retrying(() -> n.rig.redis("CONFIG", "SET", "maxmemory", "0"));
            return "maxmemory 0";
        }
    }

    /**
     * XTRIM MINID at the entry produced about half a second ago: removes everything older,
     * including pending and in-flight entries. The removed ids are read first (ids only grow, and
     * only the nemesis deletes, so the range cannot change in between).
     */
    static final class Xtrim extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            int seq = Math.max(1, n.load.lastSeq() - n.ratePerSecond / 2);
            String minId = n.load.produced.get(seq);
            if (minId == null) {
                return "skipped: seq " + seq + " unacknowledged";
            }
            List<String> ids = new ArrayList<>();
            for (Object e : (List<?>) n.rig.redis("XRANGE", FaultRig.STREAM, "-", "(" + minId)) {
                ids.add((String) ((List<?>) e).get(0));
            }
            try {
                Object trimmed = n.rig.redis("XTRIM", FaultRig.STREAM, "MINID", minId);
                n.removed(ids, true);
                return "XTRIM MINID " + minId + " (seq " + seq + "): " + trimmed + " removed";
            } catch (RuntimeException e) {
                n.removed(ids, false);
                throw e;
            }
        }
    }

    /** XDEL of 20 single entries among the last second's (some pending, some in flight, some unread). */
    static final class Xdel extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            int last = n.load.lastSeq();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = n.load.produced.get(Math.max(1, last - n.random.nextInt(Math.max(1, n.ratePerSecond))));
                if (id != null) {
                    ids.add(id);
                }
            }
            int deleted = 0;
            for (String id : ids) {
                try {
                    if ((Long) n.rig.redis("XDEL", FaultRig.STREAM, id) == 1) {
                        deleted++;
                        n.removed(List.of(id), true);
                    }
                } catch (RuntimeException e) {
                    n.removed(List.of(id), false);
                    throw e;
                }
            }
            return "XDEL " + deleted + " entries";
        }
    }

    /** XGROUP DESTROY of one handler's group; the runtime re-creates it from the start of the stream. */
    static final class GroupDestroy extends RedisFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            String group = Nemesis.HANDLERS.get(p.target());
            n.groupDestroyed(group);
            return "XGROUP DESTROY " + group + ": " + n.rig.redis("XGROUP", "DESTROY", FaultRig.STREAM, group);
        }
    }

    /** The order service stops listening; it comes back on the same port when the fault heals. */
    static final class ServiceDown extends ServiceFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.orders.stop();
            return "order service down";
        }

        @Override
        public String heal(Nemesis n, FaultSchedule.Planned p) {
            n.rig.orders.restart();
            return "order service up";
        }
    }

    /** The order service answers after 1 s (past the 1.5 s deadline with the handlers' queueing), applying all the same. */
    static final class ServiceSlow extends ServiceFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.orders.slowFor(Duration.ofMillis(1000)).behaviour(Behaviour.SLOW);
            return "order service slow (1 s)";
        }
    }

    /** The order service answers INVALID_ARGUMENT: the events called meanwhile are dead-lettered at once. */
    static final class ServiceInvalid extends ServiceFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) {
            n.rig.orders.behaviour(Behaviour.FAIL_INVALID_ARGUMENT);
            return "order service INVALID_ARGUMENT";
        }
    }

    /** {@code bin/eventbus plugins reload fault-plugin} against one instance: drain, unload, load, start. */
    static final class PluginReload extends RuntimeFault {
        @Override
        public String inject(Nemesis n, FaultSchedule.Planned p) throws Exception {
            n.reloaded[p.target()] = true;
            return n.reloadPlugin(p.target());
        }
    }
}
