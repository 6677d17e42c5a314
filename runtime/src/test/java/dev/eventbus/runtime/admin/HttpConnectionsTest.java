package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin HTTP server's cap and deadlines, on Netty's embedded channels with their own clock. */
class HttpConnectionsTest {

    @Test
    void atTheCapANewConnectionPushesOutTheOldestStillWaitingOrIsRefusedWhenAllAreAnswered() {
        HttpConnections connections = new HttpConnections(2, Duration.ofSeconds(10));
        EmbeddedChannel a = new EmbeddedChannel(connections);
        EmbeddedChannel b = new EmbeddedChannel(connections);
        assertEquals(2, connections.count());

        EmbeddedChannel c = new EmbeddedChannel(connections);
        assertFalse(a.isOpen(), "the oldest silent connection made room");
        assertTrue(b.isOpen() && c.isOpen());
        assertEquals(2, connections.count());

        connections.requestArrived(b);
        EmbeddedChannel d = new EmbeddedChannel(connections);
        assertFalse(c.isOpen(), "c still waited; b is being answered and stays");
        assertTrue(b.isOpen() && d.isOpen());

        connections.requestArrived(d);
        EmbeddedChannel e = new EmbeddedChannel(connections);
        assertFalse(e.isOpen(), "every open connection is being answered: the newcomer is refused");
        assertTrue(b.isOpen() && d.isOpen());
        assertEquals(2, connections.count());
    }

    @Test
    void aConnectionMustDeliverItsRequestAndTakeItsAnswerWithinTheTimeout() {
        HttpConnections connections = new HttpConnections(8, Duration.ofSeconds(10));
        EmbeddedChannel silent = new EmbeddedChannel(connections);
        silent.advanceTimeBy(9, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();
        assertTrue(silent.isOpen());
        silent.advanceTimeBy(2, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();
        assertFalse(silent.isOpen(), "no whole request within the timeout");

        EmbeddedChannel slowAnswer = new EmbeddedChannel(connections);
        connections.requestArrived(slowAnswer);
        slowAnswer.advanceTimeBy(60, TimeUnit.SECONDS);
        slowAnswer.runScheduledPendingTasks();
        assertTrue(slowAnswer.isOpen(), "being answered (a reload may drain for minutes): no deadline");
        connections.answering(slowAnswer);
        slowAnswer.advanceTimeBy(11, TimeUnit.SECONDS);
        slowAnswer.runScheduledPendingTasks();
        assertFalse(slowAnswer.isOpen(), "the client did not take its answer within the timeout");
        assertEquals(0, connections.count());
    }

    /**
     * Found from outside: an answer that waited on a Redis that did not answer came after the
     * server's event loops were shut down (SIGTERM), and its deadline could not be scheduled: the
     * answering thread died with a stack trace. The channel is closed instead.
     */
    @Test
    void anAnswerThatComesAfterTheServerStoppedClosesItsConnection() throws Exception {
        DefaultEventLoop stopped = new DefaultEventLoop();
        stopped.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        HttpConnections connections = new HttpConnections(8, Duration.ofSeconds(10));
        boolean[] serverStopped = {false};
        EmbeddedChannel late = new EmbeddedChannel(connections) {
            @Override
            public EventLoop eventLoop() {
                return serverStopped[0] ? stopped : super.eventLoop();
            }
        };
        connections.requestArrived(late);
        serverStopped[0] = true;
        connections.answering(late); // threw RejectedExecutionException
        serverStopped[0] = false;
        late.runPendingTasks();
        assertFalse(late.isOpen());
    }
}
