/**
 * Test helpers for plugin authors and for Eventbus's own tests.
 *
 * <ul>
 *   <li>{@link dev.eventbus.testkit.HandlerHarness}, {@link dev.eventbus.testkit.TestEvents} and
 *       {@link dev.eventbus.testkit.FakeHandlerContext}: unit-test one handler without Redis.</li>
 *   <li>{@link dev.eventbus.testkit.InProcessGrpc}: a real gRPC server and channel in the JVM;
 *       {@link dev.eventbus.testkit.RecordingGrpcService}: a scripted fake of any service that records
 *       each call ({@link dev.eventbus.testkit.RecordedCall}) with the runtime's metadata.</li>
 *   <li>{@link dev.eventbus.testkit.TestClock}: a clock the test moves, for retry backoff and age
 *       limits when the runtime runs in the test ({@code eventbus-testkit-runtime}).</li>
 *   <li>{@link dev.eventbus.testkit.RedisExtension}: a real Redis, owned or given by URI (it starts
 *       {@link dev.eventbus.redis.RedisServer}; {@link dev.eventbus.redis.RespClient} talks to it).
 *       Both come from {@code eventbus-redis-launcher}, which the kit brings along. Where Docker
 *       runs, it can instead run a Redis image the test chooses with Testcontainers, an optional
 *       dependency the test adds.</li>
 *   <li>{@link dev.eventbus.testkit.PluginJarBuilder}: real PF4J plugin JARs for loading tests.</li>
 * </ul>
 *
 * <p>Only the JUnit extensions ({@code RedisExtension}, {@code InProcessGrpc}) need JUnit on the
 * class path. The runtime uses this kit in its tests only. Nothing here accepts or returns
 * {@code null} unless its Javadoc says so.
 */
package dev.eventbus.testkit;
