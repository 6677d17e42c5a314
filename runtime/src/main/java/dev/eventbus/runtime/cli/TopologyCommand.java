package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.ops.PluginCatalog;
import dev.eventbus.runtime.ops.TopologyRenderer;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code eventbus topology}: event types -> handlers -> gRPC services. */
@Command(
        name = "topology",
        mixinStandardHelpOptions = true,
        description = {
            "Draw event types -> handlers -> gRPC services, from the plugins' declarations.",
            "Reads what each plugin's build recorded (its build descriptor); runs no plugin code, needs no Redis.",
            "A JAR the runtime would refuse without running its code (the allow-list, config keys, handler classes"
                    + " it lacks) is listed as refused."
        })
final class TopologyCommand implements Callable<Integer> {

    enum Format {
        mermaid,
        text,
        json
    }

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description = "mermaid (a flowchart for Markdown), text or json (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    @Override
    public Integer call() {
        PluginCatalog catalog = CommandContext.pluginCatalog(spec, options.load());
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case mermaid -> out.print(TopologyRenderer.mermaid(catalog));
            case text -> out.print(TopologyRenderer.text(catalog));
            case json -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("handlers", catalog.handlers());
                m.put("refused", catalog.refused());
                out.println(CliOutput.json(m));
            }
        }
        out.flush();
        return 0;
    }
}
