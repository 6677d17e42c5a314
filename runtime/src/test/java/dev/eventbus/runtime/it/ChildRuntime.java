package dev.eventbus.runtime.it;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A runtime in a JVM of its own, for tests that need one with its own heap limit: started with
 * {@code key=value} config settings as arguments, it prints {@code live readers-alive=<b>
 * ready=<b> held=<bytes>} every 200 ms until killed.
 */
public final class ChildRuntime {

    private ChildRuntime() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        EventbusRuntime runtime = new EventbusRuntime(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)),
                DeliveryObserver.NONE,
                Clock.systemUTC());
        runtime.start();
        while (true) {
            System.out.println("live readers-alive=" + runtime.view().readersAlive() + " ready="
                    + runtime.view().isReady() + " held=" + runtime.view().heldBytes());
            Thread.sleep(200);
        }
    }
}
