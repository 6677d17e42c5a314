package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.fixtures.BraceStreamHandler;
import dev.eventbus.runtime.fixtures.ExplodingConstructorHandler;
import dev.eventbus.runtime.fixtures.HangingStartHandler;
import dev.eventbus.runtime.fixtures.LeakyHandler;
import dev.eventbus.runtime.fixtures.ManifestlessJar;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code config check} checks the operator's plugin config against each real plugin JAR's
 * reference.conf, read from the JAR, and runs its handlers' start hooks with it, with the message
 * the runtime logs when it refuses the plugin.
 */
class ConfigCheckPluginsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run check(Path config) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ConfigCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(
                "check",
                "--config",
                config.toString(),
                "--plugins-dir",
                dir.resolve("plugins").toString());
        return new Run(exit, out.toString(), err.toString());
    }

    private Path config(String text) throws Exception {
        return Files.writeString(dir.resolve("application.conf"), text);
    }

    private void pluginJar() throws Exception {
        new PluginJarBuilder("pay")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.pay { limit = 10, currency = EUR, threshold = 1 }")
                .resource(
                        HandlerDescriptor.PATH,
                        "{\"format\":1,\"handlers\":[{\"class\":\"com.example.Pay\","
                                + "\"name\":\"mark-paid\",\"consumes\":{\"wallet\":[\"t\"]},\"calls\":[\"orders.v1.OrderService\"]}]}")
                .build(Files.createDirectories(dir.resolve("plugins")));
    }

    private static final String TARGET =
            "eventbus.grpc.services.\"orders.v1.OrderService\".target = \"orders:50051\"\n";

    /**
     * Each JAR is admitted in a host of its own, yet what the runtime refuses across JARs is found,
     * as at its start: JARs of one plugin id, and handlers of one name in two JARs, all refused,
     * each naming the others, whatever their file names (found from outside: with the file-name
     * order, the check named the JAR a restart would admit, and the running one was refused).
     */
    @Test
    void jarsOfOnePluginIdAndHandlersOfOneNameAreExit2AllOfThemEachNamingTheOthers() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        String reference = "eventbus.plugins.%s { limit = 10, currency = EUR, threshold = 1 }";
        new PluginJarBuilder("pay")
                .version("1.0.0")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", reference.formatted("pay"))
                .build(plugins);
        new PluginJarBuilder("pay")
                .version("2.0.0")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", reference.formatted("pay"))
                .build(plugins);
        new PluginJarBuilder("quota")
                .extension(ThresholdHandler.class)
                .extension(BraceStreamHandler.class)
                .resource("reference.conf", reference.formatted("quota"))
                .build(plugins);
        new PluginJarBuilder("audit")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", reference.formatted("audit"))
                .build(plugins);

        Run run = check(config(TARGET));

        assertEquals(2, run.exit(), run.out());
        String with = " would be refused with " + dir.resolve("application.conf") + ": ";
        String pays = ": which JAR is meant is ambiguous, so none of them is admitted; remove all but one of"
                + " pay-1.0.0.jar and pay-2.0.0.jar from the plugins directory (to upgrade a plugin, replace its JAR"
                + " under the same file name)";
        String thresholds = " has this name too: which one is meant is ambiguous (handler names name consumer groups),"
                + " so none of them runs; remove all but one of audit-1.0.0.jar and quota-1.0.0.jar from the plugins"
                + " directory, or rename the handler";
        assertEquals(
                List.of(
                        "config check: plugin JAR " + plugins.resolve("pay-1.0.0.jar") + " (plugin pay)" + with
                                + "plugin id 'pay' (version 1.0.0 in this JAR) is also the id of pay-2.0.0.jar"
                                + " (version 2.0.0)" + pays,
                        "config check: plugin JAR " + plugins.resolve("pay-2.0.0.jar") + " (plugin pay)" + with
                                + "plugin id 'pay' (version 2.0.0 in this JAR) is also the id of pay-1.0.0.jar"
                                + " (version 1.0.0)" + pays,
                        "config check: plugin JAR " + plugins.resolve("audit-1.0.0.jar") + " (plugin audit)" + with
                                + "handler 'threshold': handler class " + ThresholdHandler.class.getName()
                                + " of plugin quota (quota-1.0.0.jar)" + thresholds,
                        "config check: plugin JAR " + plugins.resolve("quota-1.0.0.jar") + " (plugin quota)" + with
                                + "handler 'threshold': handler class " + ThresholdHandler.class.getName()
                                + " of plugin audit (audit-1.0.0.jar)" + thresholds),
                run.err()
                        .lines()
                        .filter(l -> l.startsWith("config check: plugin JAR"))
                        .toList(),
                run.err());
    }

    /**
     * Handlers of one name in two JARs with build descriptors are two problems, said once: not
     * again as notes of the JARs' services.
     */
    @Test
    void handlersOfOneNameAreSaidOnceAsProblemsNotAgainAsNotes() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        for (String id : List.of("pay", "quota")) {
            new PluginJarBuilder(id)
                    .extension(ThresholdHandler.class)
                    .resource("reference.conf", "eventbus.plugins." + id + " { threshold = 1 }")
                    .resource(
                            HandlerDescriptor.PATH,
                            "{\"format\":1,\"handlers\":[{\"class\":\"" + ThresholdHandler.class.getName()
                                    + "\",\"name\":\"threshold\",\"consumes\":{\"threshold-stream\":[\"it.amount\"]},"
                                    + "\"calls\":[\"orders.v1.OrderService\"]}]}")
                    .build(plugins);
        }

        Run run = check(config(TARGET));

        assertEquals(2, run.exit(), run.out());
        assertEquals(
                2,
                run.err()
                        .lines()
                        .filter(l -> l.contains("handler 'threshold': handler class"))
                        .count(),
                run.err());
        assertTrue(!run.out().contains("# plugin JAR"), run.out());
    }

    /**
     * Settings under a plugin id no JAR has (a misspelt id) reach no plugin: valid, since a JAR of
     * that id may come later, but never in silence; the warning names the key, where it is set and
     * the ids there are.
     */
    @Test
    void settingsUnderAPluginIdNoJarHasAreAWarningNamingTheIdsThereAre() throws Exception {
        pluginJar();
        Path config = config(TARGET + "eventbus.plugins.pay { limit = 99 }\neventbus.plugins.paay {\n  limit = 5\n}\n");

        Run run = check(config);

        assertEquals(0, run.exit(), run.err());
        assertTrue(
                run.out()
                        .contains("# WARNING: eventbus.plugins.paay is set (" + config + ": 3), but no plugin has the"
                                + " id 'paay' (plugins: pay): its settings reach no plugin until one of that id is admitted; is the id"
                                + " misspelt?"),
                run.out());
        assertTrue(!run.out().contains("eventbus.plugins.pay is set"), run.out());
    }

    /** A handler name no plugin's build descriptor records (a misspelt name) is a warning too. */
    @Test
    void settingsOfAHandlerNoPluginHasAreAWarningNamingTheHandlersThereAre() throws Exception {
        pluginJar();
        Path config = config(
                TARGET + "eventbus.handlers {\n  mark-payd.max-in-flight = 3\n  mark-paid.max-in-flight = 4\n}\n");

        Run run = check(config);

        assertEquals(0, run.exit(), run.err());
        assertTrue(
                run.out()
                        .contains("# WARNING: eventbus.handlers.mark-payd is set (" + config + ": 3), but no handler"
                                + " has the name 'mark-payd' (handlers: mark-paid): its settings change nothing until a handler of"
                                + " that name is admitted; is the name misspelt?"),
                run.out());
        assertTrue(!run.out().contains("eventbus.handlers.mark-paid is set"), run.out());
    }

    /**
     * A JAR of a plugin id another JAR has is refused with it even when it would be admitted only in
     * part: both claim the id once their descriptors are read, and neither is admitted, as at start.
     */
    @Test
    void aPartlyAdmissibleJarAndAnotherOfItsIdAreBothRefused() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        for (String version : List.of("1.0.0", "2.0.0")) {
            new PluginJarBuilder("pay")
                    .version(version)
                    .extension(ThresholdHandler.class)
                    .extension(ExplodingConstructorHandler.class)
                    .resource("reference.conf", "eventbus.plugins.pay { limit = 10, currency = EUR, threshold = 1 }")
                    .build(plugins);
        }

        Run run = check(config(TARGET));

        assertEquals(2, run.exit(), run.out());
        for (String jar : List.of("pay-1.0.0.jar", "pay-2.0.0.jar")) {
            assertTrue(
                    run.err()
                            .contains(plugins.resolve(jar) + " (plugin pay) would be refused with "
                                    + dir.resolve("application.conf") + ": plugin id 'pay' (version "),
                    run.err());
        }
        assertEquals(
                2,
                run.err()
                        .lines()
                        .filter(l -> l.startsWith("config check: plugin JAR"))
                        .count(),
                "their handlers are not admitted, as at start: " + run.err());
    }

    /**
     * A check prints its findings, not the log of the hosts it admits each JAR in (a plugin started,
     * unloaded, refused: the refusal is its finding already); a warning of what the plugin does (a
     * thread it leaves running) is still logged.
     */
    @Test
    void theThrowawayHostsLogOnlyWarningsBesideTheFindings() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        pluginJar();
        new PluginJarBuilder("boom")
                .extension(ExplodingConstructorHandler.class)
                .build(plugins);
        new PluginJarBuilder("leaky").extension(LeakyHandler.class).build(plugins);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        Run run;
        try {
            run = check(config(TARGET));
        } finally {
            root.detachAppender(logs);
        }

        assertEquals(2, run.exit(), run.out());
        assertTrue(
                run.err().contains(plugins.resolve("boom-1.0.0.jar") + " (plugin boom) would be refused"), run.err());
        List<String> logged = logs.list.stream()
                .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .toList();
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).startsWith("WARN plugin leaky left 1 thread(s) running"), logged.toString());
        assertEquals(Level.INFO, root.getLevel(), "the levels are put back");
    }

    /**
     * Found from outside: a plugin whose start never returns held {@code config check} for ever,
     * printing nothing. Each JAR's admission waits at most {@code admin.stall-timeout} (after which
     * run's liveness fails while it loads plugins); the plugin's code that did not return is named,
     * and the JARs after it are still checked.
     */
    @Test
    void aStartHookThatNeverReturnsIsExit2WithinTheStallTimeoutNamingIt() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("hang").extension(HangingStartHandler.class).build(plugins);
        pluginJar();
        Path config = config(TARGET
                + "eventbus { admin.stall-timeout = 32s, redis.command-timeout = 1s, consumer.block = 500ms }\n"
                + "eventbus.plugins.pay { threshold = many }\n");

        long began = System.nanoTime();
        Run run = assertTimeoutPreemptively(Duration.ofSeconds(75), () -> check(config));
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        assertEquals(2, run.exit(), run.out());
        assertTrue(took.compareTo(Duration.ofSeconds(55)) < 0, "took " + took);
        assertTrue(
                run.err()
                        .contains("config check: plugin JAR " + plugins.resolve("hang-1.0.0.jar")
                                + " (plugin hang) would hang run's start-up with " + config + ": "
                                + HangingStartHandler.class.getName() + ".start(HangingStartHandler.java:"),
                run.err());
        assertTrue(
                run.err()
                        .contains(") did not return within 32s (eventbus.admin.stall-timeout, after which run's"
                                + " liveness fails while it loads plugins)"),
                run.err());
        assertTrue(run.err().contains(plugins.resolve("pay-1.0.0.jar") + " (plugin pay) would be refused"), run.err());
    }

    @Test
    void keysThePluginDefinesPass() throws Exception {
        pluginJar();
        Run run = check(config(TARGET + "eventbus.plugins.pay { limit = 99 }\n"));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("configuration valid"), run.out());
    }

    /**
     * Found from outside: a JAR with a malformed Plugin-Requires or without a manifest ended the
     * check (rc 1, 'Illegal character near ...', a NullPointerException) naming no JAR. Each is the
     * runtime's refusal of that JAR; the others are checked.
     */
    @Test
    void aJarWithAnUnreadablePluginRequiresOrNoManifestIsExit2NamingItAndTheOthersAreChecked() throws Exception {
        pluginJar();
        Path plugins = dir.resolve("plugins");
        Files.move(
                new PluginJarBuilder("badrequires")
                        .requires(">>>what")
                        .extension(ThresholdHandler.class)
                        .build(dir.resolve("builds")),
                plugins.resolve("bad.jar"));
        ManifestlessJar.of(
                new PluginJarBuilder("bare").extension(ThresholdHandler.class).build(dir.resolve("builds")),
                plugins.resolve("bare.jar"));

        Run run = check(config(TARGET + "eventbus.plugins.pay { limt = 99 }\n"));

        assertEquals(2, run.exit(), run.out() + run.err());
        assertTrue(
                run.err().contains(plugins.resolve("bad.jar") + " (plugin badrequires)")
                        && run.err().contains("Plugin-Requires '>>>what' cannot be read as a version range"),
                run.err());
        assertTrue(
                run.err().contains(plugins.resolve("bare.jar").toString())
                        && run.err().contains("no PF4J descriptor: the JAR has no META-INF/MANIFEST.MF"),
                run.err());
        assertTrue(run.err().contains("'eventbus.plugins.pay.limt'"), "pay-1.0.0.jar is checked too: " + run.err());
    }

    @Test
    void aKeyThePluginDoesNotDefineIsExit2NamingTheKeyTheJarAndTheFile() throws Exception {
        pluginJar();
        Path config = config("eventbus.plugins.pay {\n  limt = 99\n}\n" + TARGET);
        Run run = check(config);
        assertEquals(2, run.exit(), run.out());
        assertTrue(
                run.err().contains("plugin JAR " + dir.resolve("plugins/pay-1.0.0.jar") + " (plugin pay)"), run.err());
        // The runtime's own reason, as it logs it when it refuses the plugin at admission.
        assertTrue(
                run.err()
                        .contains("config has keys the plugin does not define in its reference.conf: "
                                + "'eventbus.plugins.pay.limt' (" + config + ": 2)"),
                run.err());
        assertTrue(run.err().contains(config.toString()), run.err());
    }

    @Test
    void aServiceTheBuildDescriptorDeclaresWithoutATargetIsExit2NamingIt() throws Exception {
        pluginJar();
        Run run = check(config("eventbus.plugins.pay { limit = 99 }\n"));
        assertEquals(2, run.exit(), run.out());
        assertTrue(
                run.err()
                        .contains("plugin JAR " + dir.resolve("plugins/pay-1.0.0.jar") + " (plugin pay) would be "
                                + "refused with " + dir.resolve("application.conf")
                                + ": handler 'mark-paid': declares gRPC service "
                                + "'orders.v1.OrderService' but it has no target: add eventbus.grpc.services.\"orders.v1.OrderService\""
                                + ".target to the runtime config"),
                run.err());
    }

    @Test
    void aJarWithoutABuildDescriptorIsSaidToHaveItsServicesUnchecked() throws Exception {
        new PluginJarBuilder("old")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.old { threshold = 1 }")
                .build(Files.createDirectories(dir.resolve("plugins")));
        Run run = check(config("\n"));
        assertEquals(0, run.exit(), run.err());
        assertTrue(
                run.out()
                        .contains("plugin JAR " + dir.resolve("plugins/old-1.0.0.jar")
                                + " (plugin old): no build descriptor: services not checked"),
                run.out());
    }

    /**
     * Found from outside: a setting the handler's start hook rejects passed `config check` ("configuration
     * valid") and refused the plugin at its next reload. The start hooks run here with the configured subtree.
     */
    @Test
    void aSettingAHandlersStartHookRejectsIsExit2WithTheRuntimesReason() throws Exception {
        pluginJar();
        Run run = check(config(TARGET + "eventbus.plugins.pay { threshold = many }\n"));
        assertEquals(2, run.exit(), run.out());
        assertTrue(
                run.err()
                        .contains("plugin JAR " + dir.resolve("plugins/pay-1.0.0.jar")
                                + " (plugin pay) would be refused with " + dir.resolve("application.conf")
                                + ": handler 'threshold': start(config) failed: "),
                run.err());
        assertTrue(!run.out().contains("configuration valid"), run.out());
    }

    @Test
    void anUnparsableReferenceConfInTheJarIsExit2() throws Exception {
        new PluginJarBuilder("pay")
                .resource("reference.conf", "eventbus.plugins.pay { limit = ")
                .build(Files.createDirectories(dir.resolve("plugins")));
        Run run = check(config("eventbus.plugins.pay { limit = 99 }\n"));
        assertEquals(2, run.exit(), run.out());
        assertTrue(
                run.err()
                        .contains("(plugin pay) would be refused with " + dir.resolve("application.conf")
                                + ": its reference.conf cannot be read: "),
                run.err());
    }

    /**
     * A stream whose braces are not a hash tag is refused on a Redis Cluster when the subscription
     * starts (the others start); `config check` says so before a deployment, and not on one node.
     */
    @Test
    void aStreamTheClusterWouldRefuseIsExit2NamingTheHandlerAndTheStream() throws Exception {
        new PluginJarBuilder("braces")
                .extension(BraceStreamHandler.class)
                .build(Files.createDirectories(dir.resolve("plugins")));
        Run onCluster = check(config("eventbus.redis.uri = \"redis-cluster://127.0.0.1:7000,127.0.0.1:7001\"\n"));
        assertEquals(2, onCluster.exit(), onCluster.out() + onCluster.err());
        assertTrue(
                onCluster
                        .err()
                        .contains("plugin JAR " + dir.resolve("plugins/braces-1.0.0.jar") + " (plugin braces): handler "
                                + "'braces' would not start a subscription with " + dir.resolve("application.conf")
                                + ": stream 'orders{}v2' holds a brace that is not a hash tag"),
                onCluster.err());
        assertEquals(
                1,
                onCluster
                        .err()
                        .lines()
                        .filter(l -> l.contains("would not start"))
                        .count(),
                onCluster.err());

        Run onOneNode = check(config("eventbus.redis.uri = \"redis://127.0.0.1:6379\"\n"));
        assertEquals(0, onOneNode.exit(), onOneNode.err());
    }
}
