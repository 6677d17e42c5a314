package dev.eventbus.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The runtime's own version and the plugin-api version it provides (checked against Plugin-Requires). */
public final class Versions {

    private static final Properties PROPERTIES = load();

    private Versions() {}

    public static String runtime() {
        return PROPERTIES.getProperty("version");
    }

    public static String pluginApi() {
        return PROPERTIES.getProperty("api.version");
    }

    private static Properties load() {
        try (InputStream in = Versions.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("version.properties missing from the runtime JAR", e));
        }
    }
}
