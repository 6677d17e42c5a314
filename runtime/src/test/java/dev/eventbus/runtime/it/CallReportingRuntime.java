package dev.eventbus.runtime.it;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A runtime instance in a JVM of its own, as it runs in production, for the tests that kill, stop
 * and freeze instances for real: started with {@code key=value} config settings as arguments, it
 * prints one {@link HandlerCalls#line} per handled event and stops as {@code bin/eventbus run} does
 * on SIGTERM (leaves the live set, drains, acknowledges, releases its leases). It also stops when
 * its standard input closes, so a test JVM that dies leaves no instance behind.
 */
public final class CallReportingRuntime {

    private CallReportingRuntime() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String instance = String.valueOf(settings.get("eventbus.consumer-name"));
        EventbusRuntime runtime = new EventbusRuntime(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)),
                HandlerCalls.observer(instance, call -> System.out.println(HandlerCalls.line(call))),
                Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::stop, "stop-on-sigterm"));
        Thread.ofPlatform().daemon(true).name("exit-with-parent").start(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is sent; the read returns -1 when the parent is gone
                }
            } catch (IOException ignored) {
                // closed: the parent is gone
            }
            System.exit(1);
        });
        runtime.start();
        System.out.println("started " + instance);
        Thread.currentThread().join();
    }
}
