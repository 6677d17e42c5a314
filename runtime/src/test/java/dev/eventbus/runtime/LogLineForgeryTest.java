package dev.eventbus.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A value taken from an event (here a subject with a line break, as the event-logger plugin logs it)
 * cannot forge a log line: the text patterns of both logback files (the distribution's and the one
 * tests and IDE runs use) write CR and LF as {@code \r} and {@code \n}.
 */
class LogLineForgeryTest {

    /** The line the file's console encoder writes for one event. */
    private static String encode(Path config, String message, Object argument) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(config.toFile());
            Logger logger = context.getLogger("dev.eventbus.plugins.logger.EventLogger");
            var appender = (OutputStreamAppender<ILoggingEvent>)
                    context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
            LoggingEvent event = new LoggingEvent(
                    Logger.class.getName(), logger, Level.INFO, message, null, new Object[] {argument});
            return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
        } finally {
            context.stop();
        }
    }

    @Test
    void lineBreaksFromAnEventAreEscapedInTextLogs() throws Exception {
        String forged = "o-1\r\n12:00:00.000 ERROR [main] d.e.runtime.EventbusRuntime - admin token rotated";
        for (Path config :
                new Path[] {Path.of("src/main/resources/logback.xml"), Path.of("../dist/src/conf/logback.xml")}) {
            String line = encode(config, "event subject={}", forged);
            assertEquals(1, line.lines().count(), config + ": " + line);
            assertTrue(line.contains("subject=o-1\\r\\n12:00:00.000 ERROR"), config + ": " + line);
        }
    }
}
