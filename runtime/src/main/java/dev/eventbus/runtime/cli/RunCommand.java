package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.RuntimeConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code eventbus run}: the main job. Runs until SIGTERM or SIGINT, then drains and exits. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Consume the configured Redis with the plugins in the plugins directory until stopped.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws InterruptedException {
        RuntimeConfig config = options.load();
        EventbusRuntime runtime = new EventbusRuntime(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.stop();
            stopped.countDown();
        }, "eventbus-shutdown"));
        runtime.start();
        stopped.await();
        return 0;
    }
}
