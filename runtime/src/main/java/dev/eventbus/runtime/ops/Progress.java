package dev.eventbus.runtime.ops;

/** Progress of a long operation, reported as it goes (the CLI prints it to stderr). */
@FunctionalInterface
public interface Progress {

    Progress NONE = (done, skipped) -> {};

    /**
     * @param done entries handled so far
     * @param skipped entries looked at and left alone so far
     */
    void update(long done, long skipped);
}
