/**
 * Test helpers for plugin authors and for Eventbus's own tests.
 *
 * <ul>
 *   <li>{@link dev.eventbus.testkit.HandlerHarness}, {@link dev.eventbus.testkit.TestEvents} and
 *       {@link dev.eventbus.testkit.FakeHandlerContext}: unit-test one handler without Redis.</li>
 *   <li>{@link dev.eventbus.testkit.InProcessGrpc}: a real gRPC server and channel in the JVM.</li>
 *   <li>{@link dev.eventbus.testkit.RedisServer}, {@link dev.eventbus.testkit.RedisExtension} and
 *       {@link dev.eventbus.testkit.RespClient}: a real Redis, owned or given by URI.</li>
 *   <li>{@link dev.eventbus.testkit.PluginJarBuilder}: real PF4J plugin JARs for loading tests.</li>
 * </ul>
 *
 * <p>Only the JUnit extensions ({@code RedisExtension}, {@code InProcessGrpc}) need JUnit on the
 * class path; the rest also serves the runtime's {@code dev} mode. Nothing here accepts or returns
 * {@code null} unless its Javadoc says so.
 */
package dev.eventbus.testkit;
