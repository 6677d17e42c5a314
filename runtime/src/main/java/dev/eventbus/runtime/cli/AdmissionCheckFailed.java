package dev.eventbus.runtime.cli;

/**
 * The plugin build's admission check refused the JAR: its message is the finding, and it has no
 * stack trace, which would say nothing about the plugin ({@code exec:java} logs what {@code main}
 * throws as a warning with its stack trace, before Maven's error line says the message again).
 */
public final class AdmissionCheckFailed extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    AdmissionCheckFailed(String findings) {
        super(findings);
        setStackTrace(new StackTraceElement[0]);
    }
}
