package ${package};

import ${package}.v1.ApplyReply;
import ${package}.v1.ApplyRequest;
import ${package}.v1.${service}Grpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the real ${service}: records each request, applies each event id once, and fails
 * every call with a given status when told to. Thread-safe.
 */
final class FakeService extends ${service}Grpc.${service}ImplBase {

    private final List<ApplyRequest> requests = new CopyOnWriteArrayList<>();
    private final Set<String> applied = ConcurrentHashMap.newKeySet();
    private volatile Status failure;

    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyReply> reply) {
        requests.add(request);
        Status fail = failure;
        if (fail != null) {
            reply.onError(fail.asRuntimeException());
            return;
        }
        reply.onNext(ApplyReply.newBuilder().setApplied(applied.add(request.getEventId())).build());
        reply.onCompleted();
    }

    /** @param status what every call answers from now on; {@code null} to succeed again */
    void failWith(Status status) {
        failure = status;
    }

    List<ApplyRequest> requests() {
        return List.copyOf(requests);
    }
}
