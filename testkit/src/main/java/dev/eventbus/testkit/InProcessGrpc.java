package dev.eventbus.testkit;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gRPC server in this JVM (in-process transport, a unique name) and a channel to it, for
 * fakes of the services a handler calls.
 *
 * <pre>{@code
 * @RegisterExtension
 * final InProcessGrpc grpc = InProcessGrpc.start(new FakeOrderService());
 * ...
 * harness.channel("orders.v1.OrderService", grpc.channel());
 * }</pre>
 *
 * <p>Lifecycle: running from {@link #start} until {@link #close()}. As a JUnit extension it closes
 * itself after each test when registered on an instance field, after the class when on a static
 * field; outside JUnit, close it yourself. Thread-safe; {@link #close()} is idempotent.
 */
public final class InProcessGrpc implements BeforeAllCallback, AfterEachCallback, AfterAllCallback, AutoCloseable {

    private final String name;
    private final Server server;
    private final ManagedChannel channel;
    // Only class-level (static) registrations receive beforeAll.
    private volatile boolean classScoped;

    private InProcessGrpc(String name, Server server, ManagedChannel channel) {
        this.name = name;
        this.server = server;
        this.channel = channel;
    }

    /**
     * Starts a server with the given services and opens a channel to it.
     *
     * @param services service implementations, e.g. generated {@code *ImplBase} subclasses
     * @return the running server and its channel
     */
    public static InProcessGrpc start(BindableService... services) {
        String name = "eventbus-testkit-" + java.util.UUID.randomUUID();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
        for (BindableService service : services) {
            builder.addService(service);
        }
        try {
            Server server = builder.build().start();
            return new InProcessGrpc(
                    name, server, InProcessChannelBuilder.forName(name).build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start in-process gRPC server " + name, e);
        }
    }

    /** @return a channel to the server, owned by this object: do not shut it down */
    public ManagedChannel channel() {
        return channel;
    }

    /** @return the in-process name, for a second channel ({@code InProcessChannelBuilder.forName}) */
    public String name() {
        return name;
    }

    /** @return the server, e.g. to shut it down in a fault test */
    public Server server() {
        return server;
    }

    /** Shuts down the channel and the server, cancelling calls still running. */
    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        classScoped = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!classScoped) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
