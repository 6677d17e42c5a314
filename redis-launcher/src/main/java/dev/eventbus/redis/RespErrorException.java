package dev.eventbus.redis;

/**
 * An error reply from Redis ({@code -ERR ...}, {@code -NOGROUP ...}, {@code -WRONGTYPE ...}).
 *
 * <p>Thrown by {@link RespClient#call} for a top-level error; returned as an element when an
 * error sits inside an array reply (as {@code EXEC} may give). Immutable.
 */
public final class RespErrorException extends RuntimeException {

    /** @param message the reply without its leading {@code -} */
    public RespErrorException(String message) {
        super(message);
    }

    /**
     * The error's first word, which Redis uses as its code.
     *
     * @return for example {@code ERR}, {@code NOGROUP} or {@code WRONGTYPE}
     */
    public String code() {
        String message = getMessage();
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
