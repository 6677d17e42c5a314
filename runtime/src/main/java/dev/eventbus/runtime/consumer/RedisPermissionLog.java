package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the command and key Redis refused for want of an ACL permission. Redis's reply says which
 * command only when the command itself is denied, never which key, and inside a script neither;
 * the failed command is known here, so the log line says both, once per command and key. For a
 * script it names every key the script was given: the refused one may be any of them (a dead
 * letter's script touches the source stream, the retry set and the dead-letter stream), and naming
 * only the first sent operators to the wrong ACL rule; Redis's {@code ACL LOG} says which.
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
        CommandArgs<?, ?> args = event.getCommand().getArgs();
        List<String> keys = isScript(event.getCommand().getType()) ? scriptKeys(args) : List.of();
        String what;
        if (keys.size() > 1) {
            what = command + " on one of its keys '" + String.join("', '", keys) + "' (Redis does not say which; its "
                    + "ACL LOG does)";
        } else {
            String key = keys.isEmpty() ? firstKey(args) : keys.get(0);
            what = key == null ? command : command + " on key '" + key + "'";
        }
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

    private static boolean isScript(Object type) {
        return type == CommandType.EVAL || type == CommandType.EVALSHA;
    }

    /** The most keys a log line lists. */
    private static final int MAX_KEYS = 6;

    /**
     * The keys of an EVAL or EVALSHA, read from its encoded arguments (script or digest, number of
     * keys, keys, arguments); empty when they cannot be read.
     */
    static List<String> scriptKeys(CommandArgs<?, ?> args) {
        if (args == null) {
            return List.of();
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            args.encode(buf);
            List<String> parts = new ArrayList<>();
            int count = -1;
            while (buf.isReadable() && (count < 0 || parts.size() < 2 + Math.min(count, MAX_KEYS))) {
                String part = bulkString(buf);
                if (part == null) {
                    return List.of();
                }
                parts.add(part);
                if (parts.size() == 2) {
                    count = Integer.parseInt(part);
                }
            }
            return count <= 0 || parts.size() < 2 ? List.of() : List.copyOf(parts.subList(2, parts.size()));
        } catch (RuntimeException e) {
            return List.of(); // not the layout expected: the log line names the first key instead
        } finally {
            buf.release();
        }
    }

    /** One {@code $<length>\r\n<bytes>\r\n} argument, at most 200 bytes of it printable; null if it is not one. */
    private static String bulkString(ByteBuf buf) {
        if (buf.readByte() != '$') {
            return null;
        }
        int length = 0;
        byte b;
        while ((b = buf.readByte()) != '\r') {
            length = length * 10 + (b - '0');
        }
        buf.skipBytes(1); // \n
        byte[] bytes = new byte[Math.min(length, 200)];
        buf.readBytes(bytes);
        buf.skipBytes(length - bytes.length + 2);
        return Errors.printable(new String(bytes, StandardCharsets.UTF_8));
    }
}
