package dev.eventbus.runtime.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP server's open connections, capped, each on a deadline. A connection must deliver
 * its whole request within the timeout of opening, and its client must take the answer within the
 * timeout of it being sent; else it is closed. At the cap a new connection closes the oldest one
 * still waiting for its request: a client that opens sockets and sends nothing (or a byte at a
 * time) only ever pushes out its own kind, so a health probe gets in while such a flood goes on.
 * When every open connection is being answered, the newcomer is closed instead.
 *
 * <p>Shared by the server's connections; thread-safe.
 */
@ChannelHandler.Sharable
final class HttpConnections extends ChannelInboundHandlerAdapter {

    /** One connection: whether it still waits for its request, and its deadline. */
    private static final class Open {
        boolean waiting = true;
        ScheduledFuture<?> deadline;
    }

    private final int max;
    private final long timeoutNanos;
    /** In the order they opened. */
    private final Map<Channel, Open> open = new LinkedHashMap<>();

    HttpConnections(int max, Duration timeout) {
        this.max = max;
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        Channel pushedOut = null;
        boolean admitted;
        synchronized (this) {
            if (open.size() >= max) {
                pushedOut = oldestWaiting();
            }
            admitted = open.size() < max;
            if (admitted) {
                Open o = new Open();
                o.deadline = closeLater(channel);
                open.put(channel, o);
            }
        }
        if (pushedOut != null) {
            pushedOut.close();
        }
        if (!admitted) {
            channel.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Open o;
        synchronized (this) {
            o = open.remove(ctx.channel());
        }
        if (o != null) {
            cancel(o.deadline);
        }
        ctx.fireChannelInactive();
    }

    /** The connection's request arrived whole: it is being answered, off the deadline. */
    void requestArrived(Channel channel) {
        synchronized (this) {
            Open o = open.get(channel);
            if (o != null) {
                o.waiting = false;
                cancel(o.deadline);
            }
        }
    }

    /** Its answer is being sent: the client has the timeout to take it. */
    void answering(Channel channel) {
        synchronized (this) {
            Open o = open.get(channel);
            if (o != null) {
                o.deadline = closeLater(channel);
            }
        }
    }

    /** Connections open now. */
    synchronized int count() {
        return open.size();
    }

    /** Removes and returns the oldest connection still waiting for its request, or null. */
    private Channel oldestWaiting() {
        for (Iterator<Map.Entry<Channel, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Channel, Open> e = it.next();
            if (e.getValue().waiting) {
                it.remove();
                cancel(e.getValue().deadline);
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Closes the channel after the timeout; null when its event loop is shut down already (the
     * server is stopping: an answer that was waiting on Redis arrived after it), and then the
     * channel is closed now, not left to throw on the answering thread.
     */
    private ScheduledFuture<?> closeLater(Channel channel) {
        try {
            return channel.eventLoop()
                    .schedule(
                            () -> {
                                channel.close();
                            },
                            timeoutNanos,
                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            channel.close();
            return null;
        }
    }

    private static void cancel(ScheduledFuture<?> deadline) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
