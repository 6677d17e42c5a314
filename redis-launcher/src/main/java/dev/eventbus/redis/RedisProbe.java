package dev.eventbus.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/** Questions asked of a starting {@code redis-server}: is it up, is it ours, what did it log. Stateless. */
final class RedisProbe {

    private RedisProbe() {}

    /**
     * Sends an inline PING on a fresh socket. {@code -LOADING} (AOF replay) counts as not up yet;
     * {@code -NOAUTH} (started with {@code --requirepass}) counts as up.
     */
    static boolean answersPing(int port, SSLSocketFactory tls) {
        try (Socket socket = tls == null ? new Socket() : tls.createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[5];
            int n = in.readNBytes(reply, 0, reply.length);
            String head = n == 5 ? new String(reply, StandardCharsets.US_ASCII) : "";
            return head.equals("+PONG") || head.equals("-NOAU");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the server on the port is the given process: a PONG may come from someone else's
     * server holding a port we picked. Unknowable under {@code --requirepass}; then assumed.
     */
    static boolean isServedBy(int port, SSLSocketFactory tls, long pid) {
        try (RespClient client = RespClient.connect("127.0.0.1", port, tls)) {
            return String.valueOf(client.call("INFO", "server")).contains("process_id:" + pid + "\r");
        } catch (RespErrorException e) {
            if (e.code().equals("NOAUTH")) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Sends one command on a fresh connection, for the questions asked while servers come and go.
     *
     * @return the reply, or the error reply as a {@link RespErrorException}; {@code null} when the
     *     server cannot be reached or does not answer in time
     */
    static Object ask(int port, String... command) {
        return ask(port, null, command);
    }

    /** As {@link #ask(int, String...)}, on the node's own terms (TLS when it speaks only TLS). */
    static Object ask(RedisServer node, String... command) {
        return ask(node.port(), node.probeSockets(), command);
    }

    private static Object ask(int port, SSLSocketFactory tls, String... command) {
        try (RespClient client = RespClient.connect("127.0.0.1", port, tls)) {
            return client.call(command);
        } catch (RespErrorException e) {
            return e;
        } catch (java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** The value of one {@code field:value} line of an INFO reply, or {@code null}. */
    static String infoField(Object info, String field) {
        if (!(info instanceof String text)) {
            return null;
        }
        for (String line : text.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /** The last lines written to a log since a byte offset (the output of the current run). */
    static String logTail(Path log, long from, int maxLines) {
        try {
            byte[] bytes = Files.readAllBytes(log);
            int start = (int) Math.min(from, bytes.length);
            List<String> lines = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
