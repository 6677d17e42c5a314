package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.consumer.RedisConnector;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;

/**
 * Redis that connects once, without the runtime's retry loop, and fails fast with a clear message:
 * as the operator tools, the metrics poller and the readiness check use it. One client, a text
 * connection for names and numbers, a binary one for copying entries byte for byte.
 *
 * <p>Thread-safe (Lettuce connections are).
 */
public final class FailFastRedis implements AutoCloseable {

    private final RedisSettings settings;
    private final RedisClient client;
    private final RedisURI uri;
    private volatile StatefulRedisConnection<String, String> text;
    private volatile StatefulRedisConnection<byte[], byte[]> bytes;

    public FailFastRedis(RedisSettings settings) {
        this.settings = settings;
        this.uri = RedisConnector.uri(settings);
        this.client = RedisConnector.client(settings);
    }

    /** Commands with string keys and values. */
    public RedisCommands<String, String> text() {
        if (text == null) {
            synchronized (this) {
                if (text == null) {
                    text = connect(StringCodec.UTF8);
                }
            }
        }
        return text.sync();
    }

    /** Commands with raw keys and values: entries are copied exactly, whatever their bytes. */
    public RedisCommands<byte[], byte[]> bytes() {
        if (bytes == null) {
            synchronized (this) {
                if (bytes == null) {
                    bytes = connect(ByteArrayCodec.INSTANCE);
                }
            }
        }
        return bytes.sync();
    }

    /** Whether Redis answers PING within the timeout (never throws). */
    public boolean ping(Duration timeout) {
        try {
            text();
            return "PONG".equalsIgnoreCase(text.async().ping().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Where Redis is, without credentials. */
    public String where() {
        return settings.redactedUri();
    }

    private <K, V> StatefulRedisConnection<K, V> connect(io.lettuce.core.codec.RedisCodec<K, V> codec) {
        try {
            return client.connect(codec, uri);
        } catch (RedisException e) {
            throw new OpsException("cannot reach Redis at " + settings.redactedUri() + ": " + Errors.rootMessage(e), e);
        }
    }

    @Override
    public void close() {
        if (text != null) {
            text.close();
        }
        if (bytes != null) {
            bytes.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
