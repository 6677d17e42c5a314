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
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The hand-written reference: what a careful engineer writes with Lettuce and gRPC-Java alone.
 * One platform reader thread on one connection (byte[] codec): {@code XREADGROUP COUNT 500 BLOCK
 * 100 >}, the handler for every entry, then one XACK for the whole read. With gRPC, each entry is
 * one async {@code MarkPaid} call (at most 256 in flight), and the batch is acknowledged when all
 * its calls have answered (the "batch ack" pipeline of performance-anchors.md section 5). Failed
 * calls are counted and left pending.
 *
 * <p>Handling each read's entries one after another in stream order, it keeps every subject's
 * events in order by construction: for the ordering scenario it is the same loop.
 */
final class ReferenceConsumer implements AutoCloseable {

    static final String GROUP = "reference";
    private static final int COUNT = 500;
    private static final int MAX_IN_FLIGHT = 256;
    private static final Metadata.Key<String> IDEMPOTENCY_KEY =
            Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Progress progress;
    private final String consumerName;
    private final ManagedChannel channel;
    private final OrderServiceGrpc.OrderServiceStub stub;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile boolean stopping;
    private Thread reader;
    private volatile Throwable crashed;
    /** Sink for the no-op handler's reads, so the JIT cannot drop them. */
    @SuppressWarnings("unused")
    private volatile int sink;

    /**
     * @param consumerName this process's consumer in the group
     * @param grpcTarget the order service, or {@code null} for the no-op handler
     */
    ReferenceConsumer(String redisUri, String consumerName, String grpcTarget, Progress progress) {
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(Duration.ofSeconds(10));
        this.client = RedisClient.create(uri);
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
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
            connection
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
        reader = Thread.ofPlatform().name("reference-reader").start(this::run);
    }

    private void run() {
        RedisCommands<byte[], byte[]> redis = connection.sync();
        Consumer<byte[]> consumer = Consumer.from(Wire.bytes(GROUP), Wire.bytes(consumerName));
        XReadArgs args = XReadArgs.Builder.count(COUNT).block(100);
        StreamOffset<byte[]> offset = StreamOffset.lastConsumed(Wire.STREAM_KEY);
        byte[] group = Wire.bytes(GROUP);
        try {
            while (!stopping) {
                List<StreamMessage<byte[], byte[]>> messages = redis.xreadgroup(consumer, args, offset);
                if (messages.isEmpty()) {
                    continue;
                }
                String[] ids = stub == null ? handleAll(messages) : callAll(messages);
                if (ids.length > 0) {
                    redis.xack(Wire.STREAM_KEY, group, ids);
                }
                progress.add(ids.length, System.nanoTime());
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

    /** One async MarkPaid per entry, at most 256 in flight; returns the ids whose call succeeded. */
    private String[] callAll(List<StreamMessage<byte[], byte[]>> messages) throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(messages.size());
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
                            inFlight.release();
                            answered.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            inFlight.release();
                            answered.countDown();
                        }
                    });
        }
        answered.await();
        List<String> ok = new ArrayList<>(ids.length);
        for (String id : ids) {
            if (id != null) {
                ok.add(id);
            }
        }
        return ok.toArray(String[]::new);
    }

    /** The reader's failure, if it died. */
    Throwable crashed() {
        return crashed;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        if (reader != null) {
            reader.join(5_000);
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
