package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.Operations;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.ops.LogFormat;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code eventbus run}: the main job. Runs until SIGTERM or SIGINT, then drains and exits. The
 * admin servers and metrics start first (so probes answer "not ready" while the runtime starts)
 * and stop last.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Consume the configured Redis with the plugins in the plugins directory until stopped.",
                "Also serves /health/live, /health/ready and /metrics (Prometheus) over HTTP, gRPC health and "
                + "reflection, and JMX (see eventbus.admin and eventbus.metrics in the configuration)."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws InterruptedException {
        RuntimeConfig config = options.load();
        LogFormat.apply(config.operations().logFormat());
        Operations operations = new Operations(config, Clock.systemUTC());
        EventbusRuntime runtime = operations.newRuntime();
        operations.start(runtime);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            operations.stopping();
            runtime.stop();
            operations.close();
            stopped.countDown();
        }, "eventbus-shutdown"));
        runtime.start();
        stopped.await();
        return 0;
    }
}
