package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.ops.LogFormat;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code eventbus run}: the main job. Runs until SIGTERM or SIGINT, then drains and exits (within
 * the shutdown grace plus 20 s, else it halts: see {@link BoundedShutdown}). The
 * admin servers and metrics start first (so probes answer "not ready" while the runtime starts)
 * and stop last.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Consume the configured Redis with the plugins in the plugins directory until stopped.",
            "Also serves /health/live, /health/ready and /metrics (Prometheus) over HTTP, gRPC health and "
                    + "reflection, and JMX (see eventbus.admin and eventbus.metrics in the configuration)."
        })
final class RunCommand implements Callable<Integer> {

    /** Flushing acknowledgements (up to 5 s, twice) and closing plugins, channels and connections. */
    private static final Duration STOP_BEYOND_GRACE = Duration.ofSeconds(20);

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        // First, before anything is started: a signal during start-up ends run quietly, as later
        // (see SignalStop), not with what failed because the JVM was ending.
        SignalStop signal = SignalStop.install("eventbus-shutdown");
        try {
            return runUntilStopped(signal);
        } catch (Exception | Error e) {
            signal.awaitEndIfBegan();
            throw e;
        }
    }

    private int runUntilStopped(SignalStop signal) throws InterruptedException {
        RuntimeConfig config = options.load();
        LogFormat.apply(config.operations().logFormat());
        config.warnings()
                .forEach(
                        w -> org.slf4j.LoggerFactory.getLogger(RunCommand.class).warn("config: {}", w));
        AdminSurface operations = new AdminSurface(config, Clock.systemUTC());
        EventbusRuntime runtime = operations.newRuntime();
        operations.start(runtime);
        CountDownLatch stopped = new CountDownLatch(1);
        // Bounded: the orderly stop gets the shutdown grace plus time to flush and close, and is cut
        // short (halt) when start-up holds the runtime (a plugin that called System.exit while loading).
        Duration bound = config.consumer().shutdownGrace().plus(STOP_BEYOND_GRACE);
        signal.stopWith(new BoundedShutdown(
                () -> {
                    operations.stopping();
                    runtime.stop();
                    operations.close();
                    stopped.countDown();
                },
                bound,
                () -> runtime.view().stuck(Duration.ZERO).orElse(""),
                Runtime.getRuntime()::halt));
        signal.awaitEndIfBegan();
        runtime.start();
        stopped.await();
        return 0;
    }
}
