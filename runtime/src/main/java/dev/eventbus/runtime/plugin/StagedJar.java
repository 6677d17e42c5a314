package dev.eventbus.runtime.plugin;

import java.nio.file.Path;

/** A JAR copied to the staging area, with the checksum of its content. */
record StagedJar(Path path, String sha256) {}
