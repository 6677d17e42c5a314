package dev.eventbus.runtime.rpc;

import dev.eventbus.runtime.config.BreakerSettings;
import dev.eventbus.runtime.config.RpcServiceSettings;
import dev.eventbus.runtime.config.RpcTls;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one {@link ManagedChannel} per configured service and lends them out; the only place that
 * creates or shuts down channels. gRPC's own retries are disabled: failures go back to the
 * handler and the event's retry policy decides, so retries never multiply across layers.
 *
 * <p>The channels run on threads of the registry's own (an event loop group and an executor),
 * never on gRPC's shared defaults: those start lazily, on the first call, from the calling thread,
 * which is a handler's worker whose context class loader is its plugin's. A thread started there
 * inherits that loader and keeps an unloaded plugin's classes in memory for good. Every thread
 * here has the runtime's class loader, whichever thread starts it.
 *
 * <p>Thread-safe after construction. Channels connect lazily, so a service that is down at
 * start-up does not stop the runtime.
 */
public final class RpcChannelRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcChannelRegistry.class);

    private final Map<String, RpcServiceSettings> settings;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
    private final Map<String, Channel> guarded = new LinkedHashMap<>();
    private final EventLoopGroup eventLoops;
    private final ExecutorService executor;

    public RpcChannelRegistry(Map<String, RpcServiceSettings> services) {
        this(services, new BreakerSettings(0, Duration.ZERO), Clock.systemUTC(), List.of());
    }

    /** @param interceptors applied to every call, outermost first (e.g. call metrics) */
    public RpcChannelRegistry(
            Map<String, RpcServiceSettings> services,
            BreakerSettings breaker,
            Clock clock,
            List<ClientInterceptor> interceptors) {
        this.settings = Map.copyOf(services);
        // The same kind of event loops gRPC's shared defaults use (epoll where Netty's native
        // transport loads, else NIO), only with our threads: Netty 4.2's MultiThreadIoEventLoopGroup
        // cost about 10% of the gRPC drain's throughput in the benchmark.
        this.eventLoops = Epoll.isAvailable()
                ? new EpollEventLoopGroup(0, runtimeThreads("eventbus-grpc-io"))
                : new NioEventLoopGroup(0, runtimeThreads("eventbus-grpc-io"));
        this.executor = Executors.newCachedThreadPool(runtimeThreads("eventbus-grpc-executor"));
        services.forEach((name, s) -> {
            if (s.plaintextOverNetwork()) {
                LOG.warn(
                        "grpc service {}: calls to {} are plaintext (tls = false): anyone on the network path can "
                                + "read and change them; set eventbus.grpc.services.\"{}\".tls = true",
                        name,
                        s.target(),
                        name);
            }
            ManagedChannel channel = open(s, eventLoops, executor);
            CircuitBreaker b = new CircuitBreaker(name, breaker.failureThreshold(), breaker.openFor(), clock);
            channels.put(name, channel);
            breakers.put(name, b);
            Channel explained = ClientInterceptors.intercept(channel, new FailureExplainingInterceptor(s));
            Channel withBreaker = ClientInterceptors.intercept(explained, new BreakerInterceptor(b));
            guarded.put(name, ClientInterceptors.intercept(withBreaker, interceptors));
        });
    }

    /** Daemon threads in the runtime's class loader (Netty's factory, so event loops get fast thread locals). */
    private static ThreadFactory runtimeThreads(String prefix) {
        ThreadFactory netty = new DefaultThreadFactory(prefix, true);
        ClassLoader runtime = RpcChannelRegistry.class.getClassLoader();
        return task -> {
            Thread t = netty.newThread(task);
            t.setContextClassLoader(runtime);
            return t;
        };
    }

    private static Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> socketChannel() {
        return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private static ManagedChannel open(RpcServiceSettings s, EventLoopGroup eventLoops, ExecutorService executor) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(s.target(), credentials(s))
                .eventLoopGroup(eventLoops)
                .channelType(socketChannel())
                .executor(executor)
                .offloadExecutor(executor)
                .maxInboundMessageSize(s.maxInboundMessageSize())
                .disableRetry()
                .userAgent("eventbus");
        if (!s.authority().isEmpty()) {
            builder.overrideAuthority(s.authority());
        }
        return builder.build();
    }

    private static ChannelCredentials credentials(RpcServiceSettings s) {
        ChannelCredentials channel = s.tls() ? tls(s) : InsecureChannelCredentials.create();
        return s.callCredentials().present()
                ? CompositeChannelCredentials.create(channel, new StaticCallCredentials(s.callCredentials()))
                : channel;
    }

    /** gRPC's own TLS credentials from the configured files (checked when the config was loaded). */
    private static ChannelCredentials tls(RpcServiceSettings s) {
        RpcTls m = s.tlsMaterial();
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            if (m.caFile().isPresent()) {
                builder.trustManager(m.caFile().get().toFile());
            }
            if (m.mutual() && m.keyPassword().isEmpty()) {
                builder.keyManager(
                        m.certFile().get().toFile(), m.keyFile().get().toFile());
            } else if (m.mutual()) {
                builder.keyManager(
                        m.certFile().get().toFile(), m.keyFile().get().toFile(), m.keyPassword());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("grpc service " + s.service() + ": cannot read its TLS files " + m, e);
        }
        return builder.build();
    }

    /** Whether a service has a configured target. */
    public boolean isConfigured(String service) {
        return channels.containsKey(service);
    }

    /** The shared channel of a configured service, reporting to its circuit breaker. */
    public Optional<Channel> channel(String service) {
        return Optional.ofNullable(guarded.get(service));
    }

    /**
     * How many entries the circuits of these services allow a subscription to take now: none while
     * one is open, one while one is probing (half-open), else unbounded.
     */
    public int readBudget(Iterable<String> services) {
        int budget = Integer.MAX_VALUE;
        for (String s : services) {
            CircuitBreaker b = breakers.get(s);
            if (b != null) {
                budget = Math.min(budget, b.readBudget());
            }
        }
        return budget;
    }

    /**
     * Why the circuits of these services let a subscription read nothing now, as the status says
     * it. A circuit found open a moment ago may be half-open since: then it is named all the same.
     * One closed again since names none: the pause has ended, and that is said.
     */
    public String pausedBecause(Collection<String> services) {
        List<String> open = new TreeSet<>(services)
                .stream()
                        .filter(s -> breakers.containsKey(s)
                                && breakers.get(s).circuit().state() != Circuit.State.CLOSED)
                        .toList();
        return open.isEmpty() ? "a pause that has ended since (reading again)" : Circuit.pausedBy(open);
    }

    /** Each configured service's circuit now, in configuration order. */
    public List<Circuit> circuits() {
        return breakers.values().stream().map(CircuitBreaker::circuit).toList();
    }

    /** The settings of a configured service. */
    public Optional<RpcServiceSettings> settings(String service) {
        return Optional.ofNullable(settings.get(service));
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdown);
        for (Map.Entry<String, ManagedChannel> e : channels.entrySet()) {
            try {
                if (!e.getValue().awaitTermination(5, TimeUnit.SECONDS)) {
                    e.getValue().shutdownNow();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                e.getValue().shutdownNow();
            }
            LOG.debug("closed channel to {}", e.getKey());
        }
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        executor.shutdownNow();
    }
}
