package dev.eventbus.bench;

import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The strongest hand-written reference: what an engineer tuning a Lettuce loop for throughput
 * writes. Reads and acknowledgements overlap: {@link #READS_AHEAD} {@code XREADGROUP COUNT 500
 * BLOCK 100 >} stay in flight on the read connection while the current reply is handled, and each
 * batch's XACK goes out asynchronously on a second connection (at most {@link #ACKS_IN_FLIGHT}
 * unanswered, so a slow Redis slows the loop instead of growing memory) without the loop waiting
 * for it. With gRPC, each entry is one async {@code MarkPaid} call and the loop does not wait for a
 * batch's calls before handling the next read: at most {@link #MAX_IN_FLIGHT} calls in flight (the
 * in-flight limit Eventbus gets, {@code max-in-flight = 256}); a batch is acknowledged when its last
 * call answers, with the ids whose call succeeded.
 *
 * <p>{@code readers} reader threads each have their own read connection and share the ack
 * connection. Counts an event as done when its XACK is answered, as {@link ReferenceConsumer} does.
 * Acknowledging batches out of order does not reorder handling: the no-op loop handles each reply in
 * stream order on one thread, so with one reader it is ordered by construction like the simple loop.
 */
final class StrongestReferenceConsumer implements AutoCloseable {

    static final String GROUP = ReferenceConsumer.GROUP;
    private static final byte[] GROUP_KEY = Wire.bytes(GROUP);
    static final int COUNT = 500;
    static final int READS_AHEAD = 2;
    static final int ACKS_IN_FLIGHT = 8;
    static final int MAX_IN_FLIGHT = 256;
    private static final Metadata.Key<String> IDEMPOTENCY_KEY =
            Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    private final RedisClient client;
    private final List<StatefulRedisConnection<byte[], byte[]>> readConnections = new ArrayList<>();
    private final StatefulRedisConnection<byte[], byte[]> ackConnection;
    private final Progress progress;
    private final String consumerName;
    private final ManagedChannel channel;
    private final OrderServiceGrpc.OrderServiceStub stub;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Semaphore acksInFlight = new Semaphore(ACKS_IN_FLIGHT);
    private final List<Thread> readers = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Throwable crashed;
    /** Sink for the no-op handler's reads, so the JIT cannot drop them. */
    @SuppressWarnings("unused")
    private volatile int sink;

    /**
     * @param consumerName this process's consumer in the group (reader {@code i} adds {@code -i} when there are several)
     * @param grpcTarget the order service, or {@code null} for the no-op handler
     * @param readers reader threads, each with its own connection
     */
    StrongestReferenceConsumer(
            String redisUri, String consumerName, String grpcTarget, int readers, Progress progress) {
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(Duration.ofSeconds(10));
        this.client = RedisClient.create(uri);
        for (int i = 0; i < readers; i++) {
            readConnections.add(client.connect(ByteArrayCodec.INSTANCE));
        }
        this.ackConnection = client.connect(ByteArrayCodec.INSTANCE);
        this.progress = progress;
        this.consumerName = consumerName;
        if (grpcTarget == null) {
            channel = null;
            stub = null;
        } else {
            channel = Grpc.newChannelBuilder(grpcTarget, InsecureChannelCredentials.create())
                    .disableRetry()
                    .build();
            stub = OrderServiceGrpc.newStub(channel);
        }
    }

    void start() {
        try {
            ackConnection
                    .sync()
                    .xgroupCreate(
                            StreamOffset.from(Wire.STREAM_KEY, "0"),
                            Wire.bytes(GROUP),
                            XGroupCreateArgs.Builder.mkstream());
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
        for (int i = 0; i < readConnections.size(); i++) {
            String name = readConnections.size() == 1 ? consumerName : consumerName + "-" + (i + 1);
            StatefulRedisConnection<byte[], byte[]> c = readConnections.get(i);
            readers.add(Thread.ofPlatform().name("strongest-reader-" + (i + 1)).start(() -> run(c, name)));
        }
    }

    private void run(StatefulRedisConnection<byte[], byte[]> connection, String name) {
        RedisAsyncCommands<byte[], byte[]> redis = connection.async();
        Consumer<byte[]> consumer = Consumer.from(Wire.bytes(GROUP), Wire.bytes(name));
        XReadArgs args = XReadArgs.Builder.count(COUNT).block(100);
        StreamOffset<byte[]> offset = StreamOffset.lastConsumed(Wire.STREAM_KEY);
        ArrayDeque<RedisFuture<List<StreamMessage<byte[], byte[]>>>> ahead = new ArrayDeque<>();
        try {
            while (!stopping) {
                while (ahead.size() < READS_AHEAD) {
                    ahead.add(redis.xreadgroup(consumer, args, offset));
                }
                List<StreamMessage<byte[], byte[]>> messages = ahead.poll().get(30, TimeUnit.SECONDS);
                ahead.add(redis.xreadgroup(consumer, args, offset)); // in flight while this reply is handled
                if (messages.isEmpty()) {
                    continue;
                }
                if (stub == null) {
                    ack(handleAll(messages));
                } else {
                    callAll(messages);
                }
            }
        } catch (Throwable t) {
            if (!stopping) {
                crashed = t;
                t.printStackTrace();
            }
        }
    }

    /** The no-op handler: reads type and payload, as the Eventbus no-op plugin does. */
    private String[] handleAll(List<StreamMessage<byte[], byte[]>> messages) {
        String[] ids = new String[messages.size()];
        int i = 0;
        for (StreamMessage<byte[], byte[]> m : messages) {
            Map<byte[], byte[]> body = m.getBody();
            byte[] type = Wire.field(body, Wire.F_TYPE);
            byte[] data = Wire.field(body, Wire.F_DATA);
            sink = (type == null ? 0 : type.length) + (data == null ? 0 : data.length);
            progress.handled(
                    Wire.index(Wire.field(body, Wire.F_ID)),
                    Wire.parseTs(Wire.field(body, Wire.F_TS)),
                    System.nanoTime());
            ids[i++] = m.getId();
        }
        return ids;
    }

    /** Sends one XACK for {@code ids} without waiting for it; the event count moves when Redis answers. */
    private void ack(String[] ids) throws InterruptedException {
        if (ids.length == 0) {
            return;
        }
        acksInFlight.acquire();
        ackConnection.async().xack(Wire.STREAM_KEY, GROUP_KEY, ids).whenComplete((n, err) -> {
            acksInFlight.release();
            if (err != null) {
                progress.error();
            } else {
                progress.add(ids.length, System.nanoTime());
            }
        });
    }

    /**
     * One async MarkPaid per entry, within the in-flight limit shared by every batch; returns as
     * soon as the last call is sent. The batch is acknowledged when its last call answers.
     */
    private void callAll(List<StreamMessage<byte[], byte[]>> messages) throws InterruptedException {
        AtomicInteger unanswered = new AtomicInteger(messages.size());
        String[] ids = new String[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            StreamMessage<byte[], byte[]> m = messages.get(i);
            Map<byte[], byte[]> body = m.getBody();
            byte[] data = Wire.field(body, Wire.F_DATA);
            MarkPaidRequest request = MarkPaidRequest.newBuilder()
                    .setOrderId(Wire.text(Wire.field(body, Wire.F_SUBJECT)))
                    .setWalletId("w-bench")
                    .setAmountCents(data == null ? 0 : data.length)
                    .setEventId(Wire.text(Wire.field(body, Wire.F_ID)))
                    .build();
            long producedAt = Wire.parseTs(Wire.field(body, Wire.F_TS));
            long index = Wire.index(Wire.field(body, Wire.F_ID));
            Metadata headers = new Metadata();
            headers.put(IDEMPOTENCY_KEY, GROUP + "/" + Wire.STREAM + "/" + m.getId());
            int slot = i;
            inFlight.acquire();
            stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .markPaid(request, new StreamObserver<MarkPaidReply>() {
                        @Override
                        public void onNext(MarkPaidReply reply) {
                            progress.handled(index, producedAt, System.nanoTime());
                            ids[slot] = m.getId();
                        }

                        @Override
                        public void onError(Throwable t) {
                            progress.error();
                            answered();
                        }

                        @Override
                        public void onCompleted() {
                            answered();
                        }

                        private void answered() {
                            inFlight.release();
                            if (unanswered.decrementAndGet() == 0) {
                                ackSucceeded(ids);
                            }
                        }
                    });
        }
    }

    /** Acknowledges the batch's succeeded calls (failed ones stay pending), from a gRPC callback. */
    private void ackSucceeded(String[] ids) {
        List<String> ok = new ArrayList<>(ids.length);
        for (String id : ids) {
            if (id != null) {
                ok.add(id);
            }
        }
        try {
            ack(ok.toArray(String[]::new));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A reader's failure, if one died. */
    Throwable crashed() {
        return crashed;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread reader : readers) {
            reader.join(5_000);
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
