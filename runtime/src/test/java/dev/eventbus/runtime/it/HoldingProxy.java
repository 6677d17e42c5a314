package dev.eventbus.runtime.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of one Redis that can hold one kind of traffic: once told to, a connection
 * whose client sends a chunk containing a marker (a command's name, e.g. {@code XACK}) forwards
 * nothing more to Redis until {@link #release}; what its client sends meanwhile waits in the
 * socket buffers, as with a Redis that does not get round to that connection. Every other
 * connection, and every reply, flows as before. For tests of what the runtime does while one of
 * its connections is stuck and the others are not. Thread-safe.
 */
final class HoldingProxy implements AutoCloseable {

    /** Bytes of a chunk kept to be looked at with the next: more than a marker's length. */
    private static final int TAIL = 16;

    private final ServerSocket server;
    private final int redisPort;
    private final Object lock = new Object();
    /** Held while set: the marker's bytes. */
    private byte[] marker;

    private final AtomicInteger held = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    HoldingProxy(int redisPort) throws IOException {
        this.redisPort = redisPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("holding-proxy-accept").start(this::accept);
    }

    String uri() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, a connection that sends {@code command} is held, from that chunk on. */
    void holdConnectionsSending(String command) {
        synchronized (lock) {
            marker = command.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** How many connections are held now. */
    int heldConnections() {
        return held.get();
    }

    /** Forwards what the held connections sent meanwhile, and holds nothing more. */
    void release() {
        synchronized (lock) {
            marker = null;
            lock.notifyAll();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket redis = new Socket(InetAddress.getLoopbackAddress(), redisPort);
                client.setTcpNoDelay(true);
                redis.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(redis);
                pump(client, redis, true);
                pump(redis, client, false);
            } catch (IOException e) {
                // closed, or Redis refused: the client sees its connection end and reconnects
            }
        }
    }

    private void pump(Socket from, Socket to, boolean holdable) {
        Thread.ofPlatform().daemon().name("holding-proxy-pump").start(() -> {
            byte[] buf = new byte[64 * 1024];
            // The end of the previous chunk before this one's bytes: a marker split between two
            // chunks is seen too.
            byte[] seen = new byte[TAIL + buf.length];
            int tail = 0;
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (holdable) {
                        int length = tail + n;
                        System.arraycopy(buf, 0, seen, tail, n);
                        awaitUnlessHeld(seen, length);
                        tail = Math.min(TAIL, length);
                        System.arraycopy(seen, length - tail, seen, 0, tail);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    /** Waits, when the chunk carries the marker, until {@link #release}. */
    private void awaitUnlessHeld(byte[] chunk, int length) throws InterruptedException {
        synchronized (lock) {
            if (marker == null || !contains(chunk, length, marker)) {
                return;
            }
            held.incrementAndGet();
            try {
                while (marker != null) {
                    lock.wait();
                }
            } finally {
                held.decrementAndGet();
            }
        }
    }

    private static boolean contains(byte[] chunk, int length, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (chunk[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        release();
        server.close();
        sockets.forEach(HoldingProxy::closeQuietly);
    }
}
