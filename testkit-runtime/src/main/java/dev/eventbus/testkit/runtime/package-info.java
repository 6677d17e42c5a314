/**
 * The real Eventbus runtime in a plugin's test.
 *
 * <ul>
 *   <li>{@link dev.eventbus.testkit.runtime.EventbusExtension}: a JUnit 5 extension that starts the
 *       runtime with the plugin under test, a Redis from {@code RedisExtension} and fakes of the
 *       declared gRPC services ({@code RecordingGrpcService}), on a {@code TestClock}.</li>
 *   <li>{@link dev.eventbus.testkit.runtime.PublishedEvent}: an entry the test appended, and awaits
 *       on its outcome (handled, skipped, retried N times, dead-lettered with a reason, acknowledged);
 *       {@link dev.eventbus.testkit.runtime.DeadLettered}: the dead-letter entry.</li>
 * </ul>
 *
 * <p>It uses the runtime's public construction path only ({@code ConfigLoader},
 * {@code EventbusRuntime}, {@code DeliveryObserver}). A module of its own: the runtime tests with
 * {@code eventbus-testkit}, which therefore cannot depend on the runtime.
 */
package dev.eventbus.testkit.runtime;
