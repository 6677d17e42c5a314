package dev.eventbus.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lettuce's warnings that repeat with every refresh or reconnect attempt while a node is away are
 * not logged (README, "Redis Cluster and Sentinel"): from outside they made about 7,000 lines in a
 * 15 s outage of a cluster, two lines a second for a node down for good, and 78 lines in 20 s for
 * three sentinels down (one per sentinel per connection made). Both logback files (the
 * distribution's and the one tests and IDE runs use); Lettuce's other warnings stay.
 */
class LettuceNoiseLoggingTest {

    private static final List<String> QUIET = List.of(
            "io.lettuce.core.cluster.topology.DefaultClusterTopologyRefresh",
            "io.lettuce.core.cluster.ClusterTopologyRefreshScheduler",
            "io.lettuce.core.protocol.ConnectionWatchdog",
            "io.lettuce.core.RedisClient");

    @Test
    void refreshAndReconnectWarningsAreNotLoggedErrorsAre() throws Exception {
        for (Path config :
                new Path[] {Path.of("src/main/resources/logback.xml"), Path.of("../dist/src/conf/logback.xml")}) {
            LoggerContext context = new LoggerContext();
            context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
            try {
                JoranConfigurator configurator = new JoranConfigurator();
                configurator.setContext(context);
                configurator.doConfigure(config.toFile());
                for (String name : QUIET) {
                    assertFalse(context.getLogger(name).isWarnEnabled(), config + ": " + name + " warns");
                    assertTrue(context.getLogger(name).isErrorEnabled(), config + ": " + name + " hides errors");
                }
                assertTrue(
                        context.getLogger("io.lettuce.core.cluster.RedisClusterClient")
                                .isWarnEnabled(),
                        config + ": Lettuce's other warnings are gone too");
            } finally {
                context.stop();
            }
        }
    }
}
