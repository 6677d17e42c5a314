package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.protocol.CommandArgs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the command and key Redis refused for want of an ACL permission. Redis's reply says which
 * command only when the command itself is denied, never which key, and inside a script neither;
 * the failed command is known here, so the log line says both, once per command and key.
 *
 * <p>Thread-safe.
 */
final class RedisPermissionLog implements CommandListener {

    private static final Logger LOG = LoggerFactory.getLogger(RedisPermissionLog.class);

    private final String where;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /** @param where the redacted Redis URI, for the log line */
    RedisPermissionLog(String where) {
        this.where = where;
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        if (!Errors.isPermissionDenied(event.getCause())) {
            return;
        }
        String command = event.getCommand().getType().toString();
        String key = firstKey(event.getCommand().getArgs());
        String what = key == null ? command : command + " on key '" + key + "'";
        if (logged.add(what)) {
            LOG.warn(
                    "Redis at {} refused {} to this user: {} ({}); grant it in the user's ACL (README, Security: the "
                            + "ACL rules Eventbus needs)",
                    where,
                    what,
                    Errors.PERMISSION_DENIED,
                    String.valueOf(event.getCause().getMessage()));
        }
    }

    /** The command's first key (a script's first key), or {@code null} when it has none. */
    private static String firstKey(CommandArgs<?, ?> args) {
        ByteBuffer key = args == null ? null : args.getFirstEncodedKey();
        if (key == null) {
            return null;
        }
        ByteBuffer copy = key.duplicate();
        byte[] bytes = new byte[Math.min(copy.remaining(), 200)];
        copy.get(bytes);
        return Errors.printable(new String(bytes, StandardCharsets.UTF_8));
    }
}
