/**
 * A real Redis for development and tests: {@link dev.eventbus.redis.RedisServer} starts a
 * {@code redis-server} child process (from the PATH, else the embedded binary) that the caller
 * owns, and {@link dev.eventbus.redis.RespClient} speaks just enough RESP to use it without a
 * client library. {@link dev.eventbus.redis.RedisSentinelSet} (a primary, a replica and three
 * sentinels) and {@link dev.eventbus.redis.RedisCluster} (primaries and replicas joined by
 * {@code redis-cli --cluster create}) are built from it, for failover tests.
 *
 * <p>Used by the runtime's {@code dev} mode (compile scope) and re-exported by the test kit; it
 * depends on neither, nor on JUnit. Nothing here accepts or returns {@code null} unless its
 * Javadoc says so.
 */
package dev.eventbus.redis;
