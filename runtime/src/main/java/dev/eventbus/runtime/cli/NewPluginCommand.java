package dev.eventbus.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code eventbus new-plugin NAME}: a plugin project from the template of
 * {@code eventbus-plugin-archetype} ({@link PluginTemplate}), without Maven. Input is checked
 * before anything is written, and an existing non-empty directory is never written into.
 */
@Command(
        name = "new-plugin",
        mixinStandardHelpOptions = true,
        description = {
            "Create a plugin project: its own .proto and gRPC stubs for one service, a handler calling it, "
                    + "reference.conf, unit tests with the test kit, an integration test against the runtime, a Maven "
                    + "wrapper and a README.",
            "The same template as `mvn archetype:generate -DarchetypeGroupId=dev.eventbus "
                    + "-DarchetypeArtifactId=eventbus-plugin-archetype`."
        })
final class NewPluginCommand implements Callable<Integer> {

    /** Plugin ids are config path segments, consumer group names and file names: keep them plain. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    private static final int MAX_NAME = 64;
    private static final Pattern SERVICE = Pattern.compile("[A-Z][A-Za-z0-9]*");
    private static final Pattern PACKAGE_SEGMENT = Pattern.compile("[a-z_][a-z0-9_]*");
    /** The version a new project starts at (as the archetype plugin's default is the user's choice). */
    static final String PROJECT_VERSION = "0.1.0-SNAPSHOT";

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "NAME",
            description = "The plugin id and artifactId, lower case with dashes, e.g. payments or order-audit.")
    String name;

    @Option(
            names = "--package",
            paramLabel = "PACKAGE",
            description = "The Java package (also the groupId); default com.example.<NAME without dashes>.")
    String javaPackage;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where to create the project; default ./NAME. " + "It must not exist or be empty.")
    Path dir;

    @Option(
            names = "--service",
            paramLabel = "SERVICE",
            description =
                    "The simple name of the gRPC service the handler calls, e.g. OrderService; default ExampleService.")
    String service;

    @Override
    public Integer call() throws IOException {
        if (name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw usage("NAME '" + name + "' is not a plugin id: use lower-case letters, digits and single dashes, "
                    + "starting with a letter (at most " + MAX_NAME + " characters), e.g. order-audit");
        }
        String pkg = javaPackage != null ? javaPackage : "com.example." + name.replace("-", "");
        if (!validPackage(pkg)) {
            throw usage("--package '" + pkg + "' is not a Java package: dot-separated lower-case identifiers, "
                    + "no Java keywords, e.g. com.acme.audit");
        }
        PluginTemplate template = PluginTemplate.fromClassPath(NewPluginCommand.class.getClassLoader());
        String serviceName = service != null ? service : template.defaults().get("service");
        if (!SERVICE.matcher(serviceName).matches()) {
            throw usage("--service '" + serviceName + "' is not a service name: letters and digits, starting with an "
                    + "upper-case letter, e.g. OrderService");
        }
        Path target = (dir != null ? dir : Path.of(name)).toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw usage((Files.isDirectory(target) ? "directory " : "file ") + target
                    + " already exists and is not empty: choose another NAME or --dir");
        }

        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("groupId", pkg);
        properties.put("artifactId", name);
        properties.put("version", PROJECT_VERSION);
        properties.put("package", pkg);
        template.defaults().forEach((key, value) -> properties.put(key, PluginTemplate.substitute(value, properties)));
        properties.put("pluginId", name);
        properties.put("service", serviceName);
        List<String> files = template.render(properties, target);

        PrintWriter out = spec.commandLine().getOut();
        out.println("Created plugin '" + name + "' (" + files.size() + " files) in " + target + ":");
        files.forEach(file -> out.println("  " + file));
        out.println();
        out.println("Next: cd " + target + " && ./mvnw verify");
        out.println("(eventbus-plugin-parent " + properties.get("eventbusVersion")
                + " must be in your local Maven repository: `./mvnw install` in the Eventbus repository.)");
        out.flush();
        return 0;
    }

    static boolean validPackage(String pkg) {
        for (String segment : pkg.split("\\.", -1)) {
            if (!PACKAGE_SEGMENT.matcher(segment).matches() || SourceVersion.isKeyword(segment)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
