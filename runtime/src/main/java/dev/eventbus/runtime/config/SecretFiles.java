package dev.eventbus.runtime.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads secrets given as files (the way Kubernetes mounts them), so that a password or token never
 * has to live in the process environment or on the command line. Trailing line breaks are dropped:
 * {@code echo secret > file} and most secret stores end the file with one, and no password ends
 * with one on purpose.
 *
 * <p>Stateless and thread-safe.
 */
final class SecretFiles {

    private SecretFiles() {}

    /**
     * @param key the config key naming the file, for the message
     * @throws IllegalArgumentException with a message naming the key and the file (never the content)
     *     when the file is missing, unreadable, not UTF-8 text or empty
     */
    static String read(String key, Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(key + ": file " + file + " does not exist");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(
                    key + ": file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new IllegalArgumentException(key + ": file " + file + " is empty");
        }
        return content.substring(0, end);
    }
}
