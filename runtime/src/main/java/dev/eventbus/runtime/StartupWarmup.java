package dev.eventbus.runtime;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Does, on a second thread, the one-off initialisation that {@code run} and {@code dev} need a
 * moment later, while the main thread builds the command line and loads the configuration: the
 * platform MBean server (JVM metrics, JMX), the static set-up of Lettuce's client resources (Netty's
 * DNS resolver reads the system's resolver configuration) and of the admin servers' Netty. A JFR
 * profile of {@code run}'s start put these at about a fifth of the main thread's samples before its
 * first event, all of them done one after another on that thread.
 *
 * <p>Only an optimisation: class initialisation and the MBean server are safe to start from any
 * thread (the JVM lets one thread do each, the others wait for it), and whatever this thread has
 * not done yet, or failed to do, the main thread does itself as before. SLF4J is initialised on the
 * calling thread first: initialised from two threads at once, it would hand the second a stand-in
 * logger factory, and {@code logging.format = json} would not find Logback.
 */
final class StartupWarmup {

    /** The commands that start the runtime; the short ones (status, --version) would only pay. */
    private static final Set<String> RUNTIME_COMMANDS = Set.of("run", "dev");

    /** Classes whose static initialisation is the costly part; initialised, not used. */
    static final List<String> CLASSES = List.of(
            "io.lettuce.core.resource.DefaultClientResources",
            "io.lettuce.core.RedisClient",
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
            "io.netty.bootstrap.ServerBootstrap");

    private StartupWarmup() {}

    /** Starts the warm-up when the command line runs the runtime. */
    static void startFor(String[] args) {
        if (!wanted(args)) {
            return;
        }
        LoggerFactory.getILoggerFactory();
        Thread.ofPlatform().name("eventbus-warmup").daemon(true).start(StartupWarmup::warm);
    }

    static boolean wanted(String[] args) {
        return args.length > 0 && RUNTIME_COMMANDS.contains(args[0]);
    }

    static void warm() {
        try {
            ManagementFactory.getPlatformMBeanServer();
            ClassLoader loader = StartupWarmup.class.getClassLoader();
            for (String name : CLASSES) {
                Class.forName(name, true, loader);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Left to the main thread, which meets any real problem again and reports it.
        }
    }
}
