package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.PluginJarCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The plugin part of {@code config check}: each JAR of the plugins directory checked as the runtime
 * would admit it, as far as that needs none of its code (see {@link PluginJarCheck}), with the
 * runtime's messages. Stateless.
 */
final class PluginConfigCheck {

    private PluginConfigCheck() {}

    /**
     * Prints one line per problem to {@code err} and one per note to {@code out}.
     *
     * @param file the config file checked, named in each problem (or null when none)
     * @return how many problems were found
     */
    static int check(RuntimeConfig config, Path file, PrintWriter out, PrintWriter err) {
        Path dir = config.pluginsDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            err.printf("config check: cannot list the plugins directory %s: %s%n", dir, e.getMessage());
            return 1;
        }
        String against = file == null ? "the defaults" : file.toString();
        List<String> problems = new ArrayList<>();
        for (Path jar : jars) {
            PluginJarCheck.check(jar, config, Versions.pluginApi()).ifPresent(refused ->
                    problems.add("config check: plugin JAR " + jar + (refused.pluginId() == null ? ""
                            : " (plugin " + refused.pluginId() + ")") + " would be refused with " + against + ": "
                            + refused.reason()));
        }
        problems.forEach(err::println);
        return problems.size();
    }
}
