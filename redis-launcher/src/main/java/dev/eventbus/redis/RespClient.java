package dev.eventbus.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal RESP2 client over one socket, so that tests can inspect Redis ({@code XLEN},
 * {@code XPENDING}, {@code FLUSHALL}) without the client library under test.
 *
 * <p>Replies map to Java as: simple and bulk strings to {@link String} (UTF-8), integers to
 * {@link Long}, arrays to an unmodifiable {@link List} (elements may be {@code null}), null bulk
 * strings and null arrays to {@code null}. A top-level error reply is thrown as
 * {@link RespErrorException}.
 *
 * <p>Lifecycle: one connection from {@code connect} to {@link #close()}; after an I/O failure
 * (including a read timeout, e.g. against a paused server) the connection is closed and every later
 * call fails. Thread-safe: calls are serialised.
 */
public final class RespClient implements AutoCloseable {

    /** Long enough for slow CI, short enough that a paused server fails a test instead of hanging it. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean broken;

    private RespClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /**
     * Connects to {@code host:port} without authentication.
     *
     * @param host the host
     * @param port the port
     * @return a connected client
     * @throws UncheckedIOException when the connection fails
     */
    public static RespClient connect(String host, int port) {
        return open(null, host, port, DEFAULT_TIMEOUT);
    }

    /** Connects to {@code host:port} over TLS with {@code tls}'s sockets, or in plain text when null. */
    static RespClient connect(String host, int port, SSLSocketFactory tls) {
        return open(tls, host, port, DEFAULT_TIMEOUT);
    }

    /**
     * Connects to a Redis URI with {@link #DEFAULT_TIMEOUT}.
     *
     * @param uri {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://} for TLS
     * @return a connected client, authenticated and on the database the URI names
     */
    public static RespClient connect(String uri) {
        return connect(uri, DEFAULT_TIMEOUT);
    }

    /**
     * Connects to a Redis URI.
     *
     * @param uri {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://} for TLS
     * @param timeout the connect timeout and the longest wait for any one reply
     * @return a connected client, authenticated and on the database the URI names
     */
    public static RespClient connect(String uri, Duration timeout) {
        URI parsed = URI.create(uri);
        String scheme = Objects.requireNonNullElse(parsed.getScheme(), "");
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("not a redis:// or rediss:// URI: " + uri);
        }
        String host = parsed.getHost() == null ? "127.0.0.1" : parsed.getHost();
        int port = parsed.getPort() < 0 ? 6379 : parsed.getPort();
        RespClient client = open(
                scheme.equals("rediss") ? (SSLSocketFactory) SSLSocketFactory.getDefault() : null, host, port, timeout);
        try {
            authenticate(client, parsed.getRawUserInfo());
            String path = parsed.getPath();
            if (path != null && path.length() > 1) {
                client.call("SELECT", path.substring(1));
            }
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Sends one command and reads its reply.
     *
     * @param args the command and its arguments, for example {@code "XLEN", "wallet"}
     * @return the reply: {@link String}, {@link Long}, {@link List} or {@code null}
     * @throws RespErrorException when Redis answers with an error
     * @throws UncheckedIOException when the connection fails or the reply does not come in time
     */
    public synchronized Object call(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("no command");
        }
        if (broken) {
            throw new IllegalStateException(
                    "connection to " + socket.getRemoteSocketAddress() + " failed earlier; open a new client");
        }
        try {
            write(args);
            Object reply = read();
            if (reply instanceof RespErrorException error) {
                // A fresh exception, so the stack trace shows the caller.
                throw new RespErrorException(error.getMessage());
            }
            return reply;
        } catch (IOException e) {
            broken = true;
            close();
            throw new UncheckedIOException(args[0] + " to " + socket.getRemoteSocketAddress() + " failed", e);
        }
    }

    /** Closes the connection. Idempotent. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing to do: the connection is gone either way.
        }
    }

    private void write(String[] args) throws IOException {
        out.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            out.write(('$' + Integer.toString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by the server");
        }
        String line = readLine();
        return switch (type) {
            case '+' -> line;
            case '-' -> new RespErrorException(line);
            case ':' -> Long.parseLong(line);
            case '$' -> readBulk(Integer.parseInt(line));
            case '*' -> readArray(Integer.parseInt(line));
            default -> throw new IOException("not a RESP2 reply: type byte 0x" + Integer.toHexString(type));
        };
    }

    private String readBulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
            throw new EOFException("truncated bulk string");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private List<Object> readArray(int count) throws IOException {
        if (count < 0) {
            return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            items.add(read());
        }
        return Collections.unmodifiableList(items);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new EOFException("connection closed in the middle of a reply");
            }
            line.write(b);
        }
        if (in.read() != '\n') {
            throw new IOException("malformed RESP line: CR without LF");
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static RespClient open(SSLSocketFactory tls, String host, int port, Duration timeout) {
        Socket socket = null;
        try {
            socket = tls != null ? tls.createSocket() : new Socket();
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            return new RespClient(socket);
        } catch (IOException e) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // The connect failure is the one worth reporting.
                }
            }
            throw new UncheckedIOException("cannot connect to Redis at " + host + ":" + port, e);
        }
    }

    private static void authenticate(RespClient client, String rawUserInfo) {
        if (rawUserInfo == null || rawUserInfo.isEmpty()) {
            return;
        }
        int colon = rawUserInfo.indexOf(':');
        if (colon < 0) {
            // redis://secret@host: the lone part is the password, as Lettuce reads it.
            client.call("AUTH", decode(rawUserInfo));
        } else if (colon == 0) {
            client.call("AUTH", decode(rawUserInfo.substring(1)));
        } else {
            client.call("AUTH", decode(rawUserInfo.substring(0, colon)), decode(rawUserInfo.substring(colon + 1)));
        }
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
