package dev.eventbus.runtime.config;

import java.util.List;

/**
 * The configuration cannot be used. The message lists every problem found, each naming the key
 * and the file (and line) it came from, so an operator fixes them all in one pass.
 */
public final class InvalidConfigException extends RuntimeException {

    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
