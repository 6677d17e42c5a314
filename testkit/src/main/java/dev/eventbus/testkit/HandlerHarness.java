package dev.eventbus.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;
import io.grpc.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one {@link EventHandler} without Redis or the runtime, as the runtime would run it, and says
 * what the runtime would do with each delivery.
 *
 * <pre>{@code
 * var harness = HandlerHarness.of(new MarkOrderPaid())
 *     .channel("orders.v1.OrderService", grpc.channel());
 * assertEquals(Outcome.Kind.SUCCESS, harness.deliver(TestEvents.event("wallet.topup.succeeded")
 *     .stream("wallet").subject("order-42").build()).kind());
 * }</pre>
 *
 * <p>Faithful to the runtime where a unit test can be:
 * <ul>
 *   <li>Config: the handler gets its plugin's {@code reference.conf} defaults (the file beside the
 *       handler's classes, under {@code eventbus.plugins.<plugin-id>}), overridden by
 *       {@link #config}; a key the defaults do not define is refused, as the runtime refuses it.
 *       The plugin id is the one that file configures, unless {@link #pluginId} says otherwise.</li>
 *   <li>Calls: every call on a lent channel carries a deadline ({@link #deadline}, 5 s by default as
 *       {@code eventbus.grpc.defaults.deadline}) and the runtime's headers: {@code idempotency-key}
 *       ({@code <handler>/<stream>/<entry-id>}), {@code eventbus-event-id}, {@code eventbus-attempt},
 *       {@code traceparent}.</li>
 *   <li>Routing: an event of a type the handler does not consume on its stream is {@code SKIPPED}
 *       without a call; an event of a stream it does not read at all is a test mistake
 *       ({@link IllegalArgumentException}), since the runtime never delivers it.</li>
 *   <li>Outcomes: a normal return is {@code SUCCESS}; {@code NonRetriableEventException}, or a gRPC
 *       status exception with INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, PERMISSION_DENIED,
 *       UNIMPLEMENTED or OUT_OF_RANGE, is {@code DEAD_LETTER}; any other exception is
 *       {@code RETRY}, or {@code DEAD_LETTER} when the event's attempt is {@link #maxAttempts} or
 *       more (unless the nearest status is UNAVAILABLE, which the runtime does not count). The
 *       nearest typed signal in the cause chain decides; {@link Outcome#reason()} is the dead
 *       letter's reason.</li>
 *   <li>Timeout: the handler runs on a virtual thread of its own and is interrupted past its
 *       {@link #timeout} (30 s by default, as {@code eventbus.handler-defaults.timeout}); a failure
 *       after that is a {@link HandlerTimeoutException} (retried; dead-lettered as {@code timeout}
 *       on the last attempt), a normal return still a success. A handler that ignores the
 *       interrupt for {@link #abandonAfter} more (5 s) is abandoned, as the runtime abandons its
 *       worker: {@code deliver} returns with a {@link HandlerTimeoutException} that says so, and the
 *       handler's thread runs on.</li>
 * </ul>
 * Unlike the runtime, it lets {@link Error}s (such as a failed assertion) propagate, and throws
 * {@link IllegalStateException} when the handler asked for a service it did not declare or that
 * the test gave no channel for, even if the handler caught that exception: such a bug would
 * otherwise pass for a retry. Backoff, {@code retry.max-age} and dead-letter streams need the
 * runtime: see the runtime test kit's {@code EventbusExtension}.
 *
 * <p>Lifecycle: {@link #of} calls {@link EventHandler#spec()} once, as the runtime does at plugin
 * start; the first {@link #deliver} (or {@link #start}) calls {@link EventHandler#start(Config)}
 * once with the plugin config, as the runtime does when it admits the handler, and again after the
 * config changed (as a reload with a changed config does). A start that throws is the runtime's
 * refusal of the handler: {@link #start} and every {@link #deliver} throw {@link
 * IllegalStateException} with the reason the runtime reports ({@code handler '<name>': start(config)
 * failed: <root cause>}), and the handler gets no event. Configure it before delivering; {@link
 * #deliver} is thread-safe, so a test may deliver concurrently as the runtime does.
 */
public final class HandlerHarness {

    /** The runtime's default {@code eventbus.grpc.defaults.deadline}. */
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

    /** The runtime's default {@code eventbus.handler-defaults.timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The runtime's default {@code eventbus.handler-defaults.abandon-after}. */
    public static final Duration DEFAULT_ABANDON_AFTER = Duration.ofSeconds(5);

    /** The runtime's default {@code eventbus.handler-defaults.retry.max-attempts}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 10;

    private final EventHandler handler;
    private final HandlerSpec spec;
    private final PluginReference reference;
    private volatile String pluginId;
    private volatile Config operator = ConfigFactory.empty();
    private volatile Config config;
    private volatile Duration deadline = DEFAULT_DEADLINE;
    private volatile Duration timeout = DEFAULT_TIMEOUT;
    private volatile Duration abandonAfter = DEFAULT_ABANDON_AFTER;
    private volatile int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    /** The config the start hook last ran with, or null before it ran (or after the config changed). */
    private Config started;

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    private HandlerHarness(EventHandler handler, HandlerSpec spec, PluginReference reference) {
        this.handler = handler;
        this.spec = spec;
        this.reference = reference;
        this.pluginId = reference.soleId().orElse("test-plugin");
        this.config = reference.effective(pluginId, operator);
    }

    /**
     * @param handler the handler under test
     * @return a harness with the plugin's {@code reference.conf} defaults and no channels; the plugin
     *     id is the one its {@code reference.conf} configures, else {@code test-plugin}
     * @throws IllegalStateException when {@code spec()} throws or returns {@code null}, or the
     *     plugin's {@code reference.conf} cannot be parsed
     */
    public static HandlerHarness of(EventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        HandlerSpec spec;
        try {
            spec = handler.spec();
        } catch (RuntimeException e) {
            throw new IllegalStateException(handler.getClass().getName() + ".spec() threw: " + e, e);
        }
        if (spec == null) {
            throw new IllegalStateException(handler.getClass().getName() + ".spec() returned null");
        }
        return new HandlerHarness(handler, spec, PluginReference.of(handler.getClass()));
    }

    /**
     * @param pluginId what {@code HandlerContext.pluginId()} returns, and whose {@code reference.conf}
     *     subtree gives the defaults
     * @throws IllegalArgumentException when the config given so far has keys that plugin does not define
     */
    public HandlerHarness pluginId(String pluginId) {
        Objects.requireNonNull(pluginId, "pluginId");
        this.config = reference.effective(pluginId, operator);
        this.pluginId = pluginId;
        return this;
    }

    /**
     * @param config the operator's settings for the plugin (what would be under
     *     {@code eventbus.plugins.<plugin-id>}), on top of its {@code reference.conf} defaults
     * @throws IllegalArgumentException naming every key the plugin's {@code reference.conf} does not
     *     define, as the runtime refuses the plugin for them
     */
    public HandlerHarness config(Config config) {
        Objects.requireNonNull(config, "config");
        this.config = reference.effective(pluginId, config);
        this.operator = config;
        return this;
    }

    /**
     * @param deadline the deadline of each call unless the handler sets a shorter one (the runtime's
     *     per-service {@code deadline}); default 5 s
     */
    public HandlerHarness deadline(Duration deadline) {
        this.deadline = positive(deadline, "deadline");
        return this;
    }

    /**
     * @param timeout the handler's {@code timeout} (its {@code eventbus.handlers.<name>.timeout}, or
     *     {@code handler-defaults.timeout}): past it, the call is interrupted; default 30 s
     */
    public HandlerHarness timeout(Duration timeout) {
        this.timeout = positive(timeout, "timeout");
        return this;
    }

    /**
     * @param abandonAfter the handler's {@code abandon-after}: how long after the timeout's interrupt
     *     {@link #deliver} waits for a handler that ignores it, before it abandons it; default 5 s
     */
    public HandlerHarness abandonAfter(Duration abandonAfter) {
        this.abandonAfter = positive(abandonAfter, "abandonAfter");
        return this;
    }

    /**
     * @param maxAttempts the handler's {@code retry.max-attempts}: a retriable failure of an event
     *     whose {@code attempt()} is this or more is dead-lettered; default 10
     */
    public HandlerHarness maxAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        return this;
    }

    private static Duration positive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /**
     * Lends a channel for a declared service.
     *
     * @param service the fully qualified service name, as declared in {@code spec().calls(...)}
     * @param channel for example {@link InProcessGrpc#channel()}
     * @throws IllegalArgumentException when the handler does not declare the service
     */
    public HandlerHarness channel(String service, Channel channel) {
        if (!spec.services().contains(service)) {
            throw new IllegalArgumentException("handler '" + spec.name() + "' does not declare service '" + service
                    + "' (declared: " + spec.services() + ")");
        }
        channels.put(service, Objects.requireNonNull(channel, "channel"));
        return this;
    }

    /** @return the declaration read once by {@link #of} */
    public HandlerSpec spec() {
        return spec;
    }

    /** @return the config the handler sees: the operator's settings over the plugin's defaults */
    public Config config() {
        return config;
    }

    /**
     * Runs the handler's start hook with the plugin config, as the runtime does when it admits the
     * handler (once; again after the config changed). {@link #deliver} calls it first by itself.
     *
     * @throws IllegalStateException with the runtime's refusal reason when the hook throws: the
     *     runtime would refuse the handler
     */
    public synchronized HandlerHarness start() {
        Config current = config;
        if (current == started) {
            return this;
        }
        try {
            handler.start(current);
        } catch (Exception | LinkageError e) {
            throw new IllegalStateException(
                    "handler '" + spec.name() + "': start(config) failed: " + rootMessage(e), e);
        }
        started = current;
        return this;
    }

    /** The root cause's class and message, as the runtime's refusal reasons give it. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /**
     * The idempotency key the runtime sends with every call for this event, whatever the attempt.
     *
     * @param event the event
     * @return {@code <handler>/<stream>/<entry-id>}
     */
    public String idempotencyKey(Event event) {
        return DeliveryMetadata.idempotencyKey(spec.name(), event);
    }

    /**
     * Delivers one event as the runtime would: skipped without a call when its type is not
     * consumed, else {@code handler.handle(event, context)} once with a fresh {@link FakeHandlerContext},
     * on a thread of its own, under the handler's {@link #timeout} (see the class comment).
     *
     * @param event for example from {@link TestEvents}; its stream must be one the handler reads
     * @return what the runtime would do
     * @throws IllegalArgumentException when the handler does not read the event's stream
     * @throws IllegalStateException when the handler asked for an undeclared or unconfigured service,
     *     or its start hook failed (the runtime would have refused it: see {@link #start})
     */
    public Outcome deliver(Event event) {
        Objects.requireNonNull(event, "event");
        start();
        Set<String> types = spec.subscriptions().get(event.stream());
        if (types == null) {
            throw new IllegalArgumentException("handler '" + spec.name() + "' does not read stream '" + event.stream()
                    + "' (it reads: " + spec.subscriptions().keySet() + "), so the runtime never delivers this event; "
                    + "build it with .stream(\""
                    + spec.subscriptions().keySet().iterator().next() + "\")");
        }
        if (!types.contains(event.type())) {
            return Outcome.skipped();
        }
        FakeHandlerContext context = new FakeHandlerContext(pluginId, config, spec, channels, event, deadline);
        Duration limit = timeout;
        TimedCall.Ended ended = TimedCall.run(
                "eventbus-harness " + spec.name(), () -> handler.handle(event, context), limit, abandonAfter);
        if (ended.failure() instanceof Error error) {
            throw error;
        }
        Throwable failure = ended.failure();
        if (ended.abandoned()) {
            failure = new HandlerTimeoutException(limit, true, null);
        } else if (ended.interrupted() && failure != null) {
            // As the runtime: whatever a handler throws after the timeout's interrupt is a timeout.
            failure = new HandlerTimeoutException(limit, false, failure);
        }
        Outcome outcome =
                failure == null ? Outcome.success() : OutcomeRules.classify(failure, event.attempt(), maxAttempts);
        RuntimeException misuse = context.misuse();
        if (misuse != null) {
            throw new IllegalStateException(misuse.getMessage() + " [outcome would have been " + outcome + "]", misuse);
        }
        return outcome;
    }
}
