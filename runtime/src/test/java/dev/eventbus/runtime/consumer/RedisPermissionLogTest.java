package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisPermissionLogTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** As Lettuce lays out an EVALSHA: digest, number of keys, keys, arguments. */
    @Test
    void aScriptsKeysAreReadFromItsArguments() {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add("5d3cc7ffa1b2")
                .add(3)
                .addKeys(b("wallet"), b("eventbus:retry:h:wallet"), b("eventbus:dlq:h"))
                .addValues(b("1-0"), b("a value that is no key"));
        assertEquals(
                List.of("wallet", "eventbus:retry:h:wallet", "eventbus:dlq:h"), RedisPermissionLog.scriptKeys(args));
    }

    @Test
    void aLongScriptBodyIsSkipped() {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add("return redis.call('XACK', KEYS[1], ARGV[1]) -- " + "x".repeat(1_000))
                .add(1)
                .addKey(b("wallet"))
                .addValue(b("g"));
        assertEquals(List.of("wallet"), RedisPermissionLog.scriptKeys(args));
    }

    @Test
    void argumentsOfAnotherLayoutGiveNoKeys() {
        CommandArgs<byte[], byte[]> args =
                new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(b("wallet")).add("not a count");
        assertEquals(List.of(), RedisPermissionLog.scriptKeys(args));
        assertEquals(List.of(), RedisPermissionLog.scriptKeys(null));
    }
}
