/**
 * The contract between Eventbus and the handler plugins that product teams write.
 *
 * <h2>What a plugin is</h2>
 * A plugin is a PF4J plugin JAR dropped into the runtime's {@code plugins/} directory. Each of its
 * classes annotated {@code @org.pf4j.Extension} that implements {@link dev.eventbus.api.EventHandler}
 * is one handler. A plugin compiles against this module alone, with {@code provided} scope: the
 * runtime supplies this module, gRPC, protobuf, SLF4J and Typesafe Config at run time, and refuses a
 * plugin JAR that bundles its own copy of any of them.
 *
 * <h2>Delivery contract</h2>
 * <ul>
 *   <li><b>At least once.</b> Each event of a subscribed type is delivered to each handler at least
 *       once. A handler may see the same event again (after a crash, a timeout, or a retry), so its
 *       effects must be idempotent; the runtime helps by attaching the same {@code idempotency-key}
 *       to every gRPC call made for one event by one handler.</li>
 *   <li><b>Outcome by return or exception.</b> Returning normally means done: the runtime
 *       acknowledges the event. {@link dev.eventbus.api.RetriableEventException} (and any other
 *       exception) means "try again later". {@link dev.eventbus.api.NonRetriableEventException}
 *       means "this event can never succeed": it goes to the handler's dead-letter stream.</li>
 *   <li><b>Handlers never touch Redis.</b> Acknowledgement, retries and dead letters belong to
 *       the runtime.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * A handler instance is created once per plugin start and is called concurrently from many virtual
 * threads (up to its configured in-flight limit), so it must be thread-safe. Blocking calls
 * (blocking gRPC stubs, JDBC) are fine: each event runs on its own virtual thread. A handler that
 * must see events of one entity in order enables ordering by {@code subject} in configuration
 * instead of synchronising itself.
 *
 * <h2>Nullability</h2>
 * Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 *
 * @since 0.1
 */
package dev.eventbus.api;
