package dev.eventbus.runtime.ops;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** One field of a stream entry, as bytes (entries are copied exactly, whatever they hold). */
public record Field(byte[] name, byte[] value) {

    public static Field of(String name, String value) {
        return new Field(name.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    public String nameText() {
        return new String(name, StandardCharsets.UTF_8);
    }

    /** The value as UTF-8 text, or {@code null} when it is not valid UTF-8. */
    public String valueText() {
        return utf8(value);
    }

    /**
     * The name for display as {@link #valueForDisplay} shows a value: its text, or {@code base64:...}
     * when it is not UTF-8 ({@link #nameText} would turn such bytes into U+FFFD, and two such names
     * into one).
     */
    public String nameForDisplay() {
        return forDisplay(name);
    }

    /** The value for display: its text, or {@code base64:...} when it is not text. */
    public String valueForDisplay() {
        return forDisplay(value);
    }

    private static String forDisplay(byte[] bytes) {
        String text = utf8(bytes);
        return text != null ? text : "base64:" + Base64.getEncoder().encodeToString(bytes);
    }

    static String utf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
