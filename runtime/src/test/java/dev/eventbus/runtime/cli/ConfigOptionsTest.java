package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.RuntimeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * An operator command that names no Redis, with no {@code eventbus dev} running, says on stderr
 * which Redis it uses and why (found from outside: it fell back to 6379 silently). No Redis is
 * contacted: only the config is loaded.
 */
class ConfigOptionsTest {

    @TempDir
    Path dir;

    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        RuntimeConfig loaded;

        @Override
        public Integer call() {
            loaded = options.loadForOperator();
            return 0;
        }
    }

    private String stderrOf(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Probe());
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute(args));
        return err.toString();
    }

    @Test
    void theDefaultRedisIsNamedWithTheReasonWhenNothingChoseOne() throws Exception {
        Path empty = Files.writeString(dir.resolve("application.conf"), "\n");
        String err = stderrOf("--config", empty.toString());
        assertTrue(
                err.contains("eventbus: using the default Redis redis://127.0.0.1:6379: no eventbus dev runs from "),
                err);
        assertTrue(
                err.contains(
                        "none is configured (--redis, EVENTBUS_REDIS_URI, or eventbus.redis.uri in " + empty + ")"),
                err);
    }

    @Test
    void aChosenRedisIsUsedWithoutALine() throws Exception {
        Path conf =
                Files.writeString(dir.resolve("application.conf"), "eventbus.redis.uri = \"redis://127.0.0.1:7\"\n");
        assertEquals("", stderrOf("--config", conf.toString()));
    }

    /** A bad value given on the command line is named as the option's, not "(hardcoded value)". */
    @Test
    void aBadRedisOptionIsNamedAsTheOptionsValue() {
        ConfigOptions options = new ConfigOptions();
        options.redis = "redis://127.0.0.1:99999";
        dev.eventbus.runtime.config.InvalidConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.eventbus.runtime.config.InvalidConfigException.class, options::loadForOperator);
        assertTrue(e.getMessage().contains("(the --redis option)"), e.getMessage());
    }

    /**
     * A relative {@code --plugins-dir} is the directory the operator's shell means, the current one,
     * as for {@code --config}; bin/eventbus sets EVENTBUS_HOME, against which a relative
     * {@code eventbus.plugins-dir} of the config file is read, and the flag went that way too:
     * {@code plugins list --plugins-dir plugins} listed the installation's plugins instead.
     */
    @Test
    void aRelativePluginsDirIsTheCurrentDirectorysAndGoesOnAsAnAbsolutePath() {
        ConfigOptions options = new ConfigOptions();
        options.pluginsDir = Path.of("build/../plugins");

        assertEquals(
                Path.of("plugins").toAbsolutePath().toString(),
                options.overrides().getString("eventbus.plugins-dir"));
    }
}
