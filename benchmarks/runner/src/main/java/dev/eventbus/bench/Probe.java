package dev.eventbus.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process figures of the JVM it runs in: peak RSS and CPU time. */
final class Probe {

    private Probe() {}

    /** Peak resident set size (VmHWM) in MiB, or -1 where /proc is missing. */
    static double peakRssMb() {
        return statusKb("VmHWM:") / 1024.0;
    }

    /** Current resident set size (VmRSS) in MiB, or -1. */
    static double rssMb() {
        return statusKb("VmRSS:") / 1024.0;
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1024;
    }

    /** CPU time of the whole process (all threads, JIT and GC included), in nanoseconds. */
    static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
