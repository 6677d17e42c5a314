package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.config.AdminLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP server: Netty's HTTP/1.1 codec on one event-loop thread, each request answered by
 * {@link AdminRoutes} on a virtual thread, one request per connection. Bounded by
 * {@link HttpConnections} (a cap, and a deadline on every connection), by the codec's limits on
 * the request line and headers, and by refusing any body larger than a few kilobytes; optionally
 * behind TLS. Netty rather than the JDK's {@code com.sun.net.httpserver}: the JDK server's limits
 * are JVM-wide system properties read once (no timeout on a request that never finishes and no
 * connection cap by default), and it offers no hook where a new connection could push out a silent one.
 */
public final class AdminHttpServer implements AutoCloseable {

    /** Longest request line, and the most header bytes, a request may have. */
    private static final int MAX_LINE = 4096;

    private static final int MAX_HEADERS = 8192;
    /** No request needs a body; this is enough to read one and refuse it. */
    private static final int MAX_BODY = 4096;

    private final EventLoopGroup loop;
    private final ExecutorService answers;
    private final Channel server;
    private final HttpConnections connections;

    private AdminHttpServer(EventLoopGroup loop, ExecutorService answers, Channel server, HttpConnections connections) {
        this.loop = loop;
        this.answers = answers;
        this.server = server;
        this.connections = connections;
    }

    /**
     * Binds and starts.
     *
     * @param tls the server's TLS context, or empty for plaintext
     * @throws IOException when the port cannot be bound
     */
    static AdminHttpServer start(
            String host, int port, AdminLimits limits, Optional<SslContext> tls, AdminRoutes routes)
            throws IOException {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(
                1,
                Thread.ofPlatform().name("eventbus-admin-http-io").daemon(true).factory(),
                NioIoHandler.newFactory());
        ExecutorService answers = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("eventbus-admin-http-", 0).factory());
        HttpConnections connections = new HttpConnections(limits.httpMaxConnections(), limits.httpRequestTimeout());
        Exchange exchange = new Exchange(routes, answers, connections);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(connections);
                        tls.ifPresent(ssl -> channel.pipeline().addLast(ssl.newHandler(channel.alloc())));
                        channel.pipeline()
                                .addLast(
                                        new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192),
                                        new HttpObjectAggregator(MAX_BODY),
                                        exchange);
                    }
                });
        try {
            Channel server =
                    bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
            return new AdminHttpServer(loop, answers, server, connections);
        } catch (Exception e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            answers.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections open now. */
    int connections() {
        return connections.count();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        answers.shutdownNow();
    }

    /** Hands each whole request to the routes on a virtual thread and sends the answer back. */
    @ChannelHandler.Sharable
    private static final class Exchange extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final AdminRoutes routes;
        private final ExecutorService answers;
        private final HttpConnections connections;

        Exchange(AdminRoutes routes, ExecutorService answers, HttpConnections connections) {
            this.routes = routes;
            this.answers = answers;
            this.connections = connections;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            Channel channel = ctx.channel();
            connections.requestArrived(channel);
            if (!request.decoderResult().isSuccess()) {
                send(channel, false, AdminHttpResponse.text(400, "bad request\n"));
                return;
            }
            boolean head = request.method().equals(HttpMethod.HEAD);
            Map<String, String> headers = new HashMap<>();
            request.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            AdminHttpRequest view = new AdminHttpRequest(
                    request.method().name(),
                    new QueryStringDecoder(request.uri()).rawPath(),
                    Map.copyOf(headers),
                    request.content().readableBytes(),
                    String.valueOf(channel.remoteAddress()));
            answers.execute(() -> send(channel, head, routes.answer(view)));
        }

        private void send(Channel channel, boolean head, AdminHttpResponse answer) {
            FullHttpResponse response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(answer.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                    .set(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            answer.headers().forEach(response.headers()::set);
            connections.answering(channel);
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset connection or a failed TLS handshake: nothing to answer
        }
    }
}
