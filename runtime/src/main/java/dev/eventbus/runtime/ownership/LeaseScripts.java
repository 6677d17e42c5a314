package dev.eventbus.runtime.ownership;

import java.util.Locale;

/**
 * The Lua of partition leases. A lease is a hash next to its partition (same hash tag, so one
 * slot on Redis Cluster): {@code owner}, {@code token} (the fencing token, incremented on every
 * grant and never reset) and {@code expires} (ms, from the server's TIME). Every script reads the
 * time in Redis, never a client clock.
 */
public final class LeaseScripts {

    private LeaseScripts() {}

    /**
     * Refuses the script before it writes anything, with a {@code NOPERM} naming the command and
     * the key, when its user may not run {@code command} on {@code KEYS[1]} ({@code
     * redis.acl_check_cmd}, Redis 7). Redis's own refusal inside a script names neither ("The user
     * executing the script can't run this command or subcommand"), so the log line, readiness and
     * status could not say which rule to grant (found from outside, a user without {@code +hset});
     * and a script refused half-way keeps what it wrote before (an acquire's token incremented, its
     * owner never set). On Redis 6.2 the command is refused where the script runs it, as before.
     *
     * @param args the command's arguments after the key, as Lua expressions
     */
    private static String mayRun(String command, String... args) {
        String name = command.toLowerCase(Locale.ROOT);
        return "if redis.acl_check_cmd and not redis.acl_check_cmd('" + command + "', KEYS[1]"
                + (args.length == 0 ? "" : ", " + String.join(", ", args)) + ") then "
                + "return redis.error_reply(\"NOPERM this user has no permissions to run the '" + name
                + "' command on key '\" .. KEYS[1] .. \"'\") end ";
    }

    private static final String NOW =
            "local t = redis.call('TIME') " + "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) ";

    /** KEYS[lease] ARGV[owner, token]: true when the lease is held by owner with token, unexpired. */
    private static String holds(int leaseKey) {
        return "local function holds() "
                + "local l = redis.call('HMGET', KEYS[" + leaseKey + "], 'owner', 'token', 'expires') "
                + "return l[1] == ARGV[1] and l[2] == ARGV[2] and tonumber(l[3]) ~= nil and tonumber(l[3]) > now "
                + "end ";
    }

    /** KEYS[lease] ARGV[owner, ttl ms]: the new token when free or expired, else 0. */
    public static final String ACQUIRE = mayRun("HMGET", "'owner'")
            + mayRun("HINCRBY", "'token'", "'1'")
            + mayRun("HSET", "'owner'", "ARGV[1]")
            + NOW
            + "local l = redis.call('HMGET', KEYS[1], 'owner', 'expires') "
            + "if l[1] and tonumber(l[2]) ~= nil and tonumber(l[2]) > now then return 0 end "
            + "local token = redis.call('HINCRBY', KEYS[1], 'token', 1) "
            + "redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'expires', now + tonumber(ARGV[2])) "
            + "return token";

    /** KEYS[lease] ARGV[owner, token, ttl ms]: 1 when extended, 0 when no longer ours. */
    public static final String RENEW = mayRun("HMGET", "'owner'") + mayRun("HSET", "'expires'", "'0'") + NOW + holds(1)
            + "if not holds() then return 0 end "
            + "redis.call('HSET', KEYS[1], 'expires', now + tonumber(ARGV[3])) "
            + "return 1";

    /** KEYS[lease] ARGV[owner, token]: compare-and-delete; 1 when released, 0 when not ours. */
    public static final String RELEASE = mayRun("HMGET", "'owner'")
            + mayRun("HDEL", "'owner'")
            + "local l = redis.call('HMGET', KEYS[1], 'owner', 'token') "
            + "if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] then return 0 end "
            + "redis.call('HDEL', KEYS[1], 'owner', 'expires') "
            + "return 1";

    /**
     * KEYS[stream, lease] ARGV[owner, token, group, consumer, count, from]: XREADGROUP (no BLOCK)
     * while the lease is held, else the error {@code FENCED}; the reply is XREADGROUP's.
     */
    public static final String FENCED_READ = NOW + holds(2)
            + "if not holds() then return redis.error_reply('FENCED lease lost') end "
            + "return redis.call('XREADGROUP', 'GROUP', ARGV[3], ARGV[4], 'COUNT', ARGV[5], 'STREAMS', KEYS[1], ARGV[6])";

    /**
     * KEYS[stream, lease] ARGV[owner, token, group, consumer, cursor, count]: claims every pending
     * entry of the group (any consumer, idle or not) for the new owner, ids only; returns the next
     * cursor ({@code 0-0} when done), or the error {@code FENCED}.
     */
    public static final String FENCED_CLAIM = NOW + holds(2)
            + "if not holds() then return redis.error_reply('FENCED lease lost') end "
            + "local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[3], ARGV[4], 0, ARGV[5], 'COUNT', ARGV[6], 'JUSTID') "
            + "return r[1]";

    /**
     * KEYS[registry] ARGV[id, live ms, forget ms]: records the heartbeat at the server's time,
     * forgets instances silent for {@code forget ms}, and returns the server time followed by the
     * instances heard within {@code live ms} with their last heartbeat (ms).
     */
    public static final String HEARTBEAT = "if ARGV[1] ~= '' then " + mayRun("ZADD", "'0'", "ARGV[1]") + "end "
            + mayRun("ZREMRANGEBYSCORE", "'0'", "'0'")
            + mayRun("ZRANGEBYSCORE", "'0'", "'0'")
            + NOW
            + "if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now, ARGV[1]) end "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3])) "
            + "local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf', 'WITHSCORES') "
            + "table.insert(live, 1, tostring(now)) "
            + "return live";

    /**
     * KEYS[layouts] ARGV[id, layouts, forget ms]: records what {@code id} runs ({@code
     * <server ms>\n<layouts>}; nothing when id is empty), forgets the entries older than {@code
     * forget ms}, and returns the server time followed by every field and value.
     */
    public static final String LAYOUTS = "if ARGV[1] ~= '' then " + mayRun("HSET", "ARGV[1]", "'0'") + "end "
            + mayRun("HGETALL")
            + mayRun("HDEL", "'0'")
            + NOW
            + "if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], now .. '\\n' .. ARGV[2]) end "
            + "local all = redis.call('HGETALL', KEYS[1]) "
            + "local out = {tostring(now)} "
            + "for i = 1, #all, 2 do "
            + "local at = tonumber(string.match(all[i + 1], '^(%d+)')) "
            + "if at == nil or at < now - tonumber(ARGV[3]) then redis.call('HDEL', KEYS[1], all[i]) "
            + "else table.insert(out, all[i]) table.insert(out, all[i + 1]) end "
            + "end "
            + "return out";
}
