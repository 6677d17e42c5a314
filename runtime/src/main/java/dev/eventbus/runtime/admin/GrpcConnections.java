package dev.eventbus.runtime.admin;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin gRPC server's open connections, capped. grpc-java has no connection limit, and a
 * client completes the TLS and HTTP/2 handshake without a token, so without this a flood of
 * handshaked connections held until {@code grpc-max-connection-idle} uses up the open files.
 *
 * <p>Why here, and so: this handler sits in the pipeline of the <em>listening</em> channel (set by
 * the server's channel factory), ahead of Netty's acceptor, and sees each accepted connection
 * before it is registered or has read a byte. A refused connection is closed there at once and
 * never costs a TLS handshake, an HTTP/2 codec or a gRPC transport. An admitted connection leaves
 * the count when its channel's close future completes, which happens exactly once whatever closed
 * it (client, idle timeout, handshake timeout, shutdown, or this class). A
 * {@link io.grpc.ServerTransportFilter} was the other candidate: it sees a transport only after
 * the handshake (the work a flood costs is already done) and has no handle to close the transport.
 *
 * <p>At the cap, like the HTTP port, a newcomer closes the oldest connection without a call in
 * progress, counting only calls past the token check ({@link #calls()}, placed behind it): a flood
 * of connections that handshake and then sit idle, or hold health calls (which need no token; a
 * Watch lasts as long as its client likes), only ever pushes out its own kind, so a health probe,
 * which opens a new connection each time, gets in while the flood goes on. When every open
 * connection has such a call in progress, the newcomer is closed instead. Refusals and push-outs
 * are logged at most once a minute, with their counts.
 *
 * <p>Thread-safe: connections are accepted on the boss loop and close on their own loops.
 */
@ChannelHandler.Sharable
final class GrpcConnections extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcConnections.class);
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);

    /** One admitted connection and its calls in progress. */
    private static final class Open {
        final Channel channel;
        int calls;

        Open(Channel channel) {
            this.channel = channel;
        }
    }

    private final int max;
    private final Clock clock;
    /** By the client's address (what a call's transport attributes name), in the order they opened. */
    private final Map<SocketAddress, Open> open = new LinkedHashMap<>();

    private long refused;
    private long pushedOut;
    private Instant lastLog = Instant.MIN;

    GrpcConnections(int max, Clock clock) {
        this.max = max;
        this.clock = clock;
    }

    /** Receives each accepted connection from the listening channel. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        SocketAddress remote = child.remoteAddress();
        Open admitted = null;
        Open idle = null;
        String report;
        synchronized (this) {
            if (open.size() >= max) {
                idle = oldestIdle();
            }
            if (remote != null && open.size() < max) {
                admitted = new Open(child);
                open.put(remote, admitted);
            } else {
                refused++;
            }
            if (idle != null) {
                pushedOut++;
            }
            report = dueReport();
        }
        if (report != null) {
            LOG.warn(report);
        }
        if (idle != null) {
            closeNow(idle.channel);
        }
        if (admitted == null) {
            // Not registered with an event loop yet: close the socket directly, as Netty's acceptor
            // does with a connection it cannot register.
            child.unsafe().closeForcibly();
            return;
        }
        Open mine = admitted;
        child.closeFuture().addListener(f -> closed(remote, mine));
        ctx.fireChannelRead(child);
    }

    /**
     * Closes the socket now. Not {@code close()}: gRPC's HTTP/2 handler would answer it with a
     * GOAWAY and wait for the connection's calls to end (a health Watch never does), so the socket
     * would outlive its place in the count.
     */
    private static void closeNow(Channel channel) {
        EventLoop loop;
        try {
            loop = channel.eventLoop();
        } catch (IllegalStateException notRegistered) {
            channel.unsafe().closeForcibly();
            return;
        }
        loop.execute(() -> channel.unsafe().close(channel.voidPromise()));
    }

    /** Connections open now. */
    synchronized int count() {
        return open.size();
    }

    /**
     * Counts each call in progress against its connection, so that a busy one is never pushed out;
     * for the services behind the token check, placed after it.
     */
    ServerInterceptor calls() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Runnable ended = callStarted(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                ServerCall.Listener<Q> listener;
                try {
                    listener = next.startCall(call, headers);
                } catch (RuntimeException | Error e) {
                    ended.run();
                    throw e;
                }
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                    @Override
                    public void onComplete() {
                        try {
                            super.onComplete();
                        } finally {
                            ended.run();
                        }
                    }

                    @Override
                    public void onCancel() {
                        try {
                            super.onCancel();
                        } finally {
                            ended.run();
                        }
                    }
                };
            }
        };
    }

    /** @return ends the call; runs its decrement once however often it is called */
    private Runnable callStarted(SocketAddress remote) {
        Open o;
        synchronized (this) {
            o = remote == null ? null : open.get(remote);
            if (o == null) {
                return () -> {};
            }
            o.calls++;
        }
        Open counted = o;
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                synchronized (this) {
                    counted.calls--;
                }
            }
        };
    }

    private synchronized void closed(SocketAddress remote, Open o) {
        // Only this connection's entry: a pushed-out one has left already, and its address may
        // have been reused by a newer connection since.
        open.remove(remote, o);
    }

    /** Removes and returns the oldest connection without a call in progress, or null. */
    private Open oldestIdle() {
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            Open o = it.next();
            if (o.calls == 0) {
                it.remove();
                return o;
            }
        }
        return null;
    }

    /** The log line for what happened at the cap, when one is due; resets the counts. */
    private String dueReport() {
        if (refused == 0 && pushedOut == 0) {
            return null;
        }
        Instant now = clock.instant();
        if (lastLog.plus(LOG_EVERY).isAfter(now)) {
            return null;
        }
        String line = "admin gRPC port at its cap of " + max + " connections (eventbus.admin.grpc-max-connections): "
                + refused + " new connection(s) refused (every open one had an authorised call in progress) and "
                + pushedOut
                + " idle one(s) closed to make room since the last report";
        lastLog = now;
        refused = 0;
        pushedOut = 0;
        return line;
    }
}
