package dev.eventbus.runtime.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches the log format at start-up ({@code eventbus.logging.format}): for {@code json}, every
 * output-stream appender of the root logger (the console in logback.xml) gets a Logstash encoder,
 * which writes one JSON object per line with the MDC (handler, plugin, stream, entry, event) as
 * fields. {@code text} leaves logback.xml's pattern alone.
 */
public final class LogFormat {

    private LogFormat() {}

    /** @return how many appenders now write JSON */
    public static int apply(String format) {
        if (!"json".equals(format)) {
            return 0;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            LoggerFactory.getLogger(LogFormat.class)
                    .warn("logging.format = json needs Logback as the SLF4J binding; " + "logs stay as they are");
            return 0;
        }
        int switched = 0;
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                LogstashEncoder encoder = new LogstashEncoder();
                encoder.setContext(context);
                encoder.start();
                // Swapped in place: stopping an appender would close its stream for good.
                appender.setEncoder(encoder);
                switched++;
            }
        }
        return switched;
    }
}
