package dev.eventbus.runtime.it;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.samples.orders.OrderServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Starts runtimes the way the integration tests need them: a real Redis, plugins dir, order service. */
final class TestRuntimes {

    private TestRuntimes() {}

    /** Starts a runtime; {@code extra} settings (config paths to values) override the test defaults. */
    static EventbusRuntime start(
            String redisUri, Path plugins, OrderServer orders, String consumer, Map<String, ?> extra) {
        return start(redisUri, plugins, orders, consumer, extra, DeliveryObserver.NONE);
    }

    static EventbusRuntime start(
            String redisUri,
            Path plugins,
            OrderServer orders,
            String consumer,
            Map<String, ?> extra,
            DeliveryObserver observer) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.redis.uri",
                redisUri,
                "eventbus.plugins-dir",
                plugins.toString(),
                "eventbus.consumer-name",
                consumer,
                "eventbus.consumer.shutdown-grace",
                "5s",
                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                orders.target()));
        settings.putAll(extra);
        EventbusRuntime runtime = new EventbusRuntime(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)), observer, Clock.systemUTC());
        runtime.start();
        return runtime;
    }
}
