package dev.eventbus.runtime.admin;

import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetPluginRequest;
import dev.eventbus.admin.v1.GetPluginResponse;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.ListPluginsRequest;
import dev.eventbus.admin.v1.ListPluginsResponse;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.admin.v1.ReloadPluginResponse;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.plugin.AdmissionException;
import dev.eventbus.runtime.plugin.InstalledPlugin;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code eventbus.admin.v1.AdminService}: the running runtime's state and plugin reloads, for
 * {@code eventbus status} and {@code eventbus plugins}. Served behind the admin token check.
 * Unexpected errors are logged here and answered as INTERNAL without details, so no answer
 * carries a stack trace or whatever an exception message might hold.
 *
 * <p>Thread-safe; a reload runs on the calling gRPC thread, one plugin swap at a time.
 */
final class AdminService extends AdminServiceGrpc.AdminServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(AdminService.class);

    private final RuntimeView runtime;
    private final HealthChecks health;
    private final StatusReport status;
    private final PluginReloads reloads;

    AdminService(RuntimeView runtime, HealthChecks health, StatusReport status, PluginReloads reloads) {
        this.runtime = runtime;
        this.health = health;
        this.status = status;
        this.reloads = reloads;
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> answer) {
        respond(answer, "GetStatus", () -> status.build(request.getHandler()));
    }

    @Override
    public void listPlugins(ListPluginsRequest request, StreamObserver<ListPluginsResponse> answer) {
        respond(answer, "ListPlugins", () -> {
            SubscriptionStates states = states();
            ListPluginsResponse.Builder list = ListPluginsResponse.newBuilder();
            running().forEach(p -> list.addPlugins(PluginMessages.plugin(p, states)));
            runtime.pluginFailures().forEach(f -> list.addRefused(PluginMessages.refused(f)));
            return list.build();
        });
    }

    @Override
    public void getPlugin(GetPluginRequest request, StreamObserver<GetPluginResponse> answer) {
        respond(answer, "GetPlugin", () -> {
            String id = request.getId();
            GetPluginResponse.Builder one = GetPluginResponse.newBuilder();
            running(id).ifPresent(p -> one.setPlugin(PluginMessages.plugin(p, states())));
            runtime.pluginFailures().stream()
                    .filter(f -> id.equals(f.pluginId()))
                    .forEach(f -> one.addRefused(PluginMessages.refused(f)));
            if (!one.hasPlugin() && one.getRefusedCount() == 0) {
                throw Status.NOT_FOUND
                        .withDescription("no plugin '" + id + "' runs or was refused")
                        .asException();
            }
            return one.build();
        });
    }

    @Override
    public void reloadPlugin(ReloadPluginRequest request, StreamObserver<ReloadPluginResponse> answer) {
        respond(answer, "ReloadPlugin", () -> {
            String id = request.getId();
            if (!runtime.isReady()) {
                throw Status.UNAVAILABLE
                        .withDescription("the runtime is not running (" + health.runtimePhase() + ")")
                        .asException();
            }
            String previous = running(id).map(InstalledPlugin::version).orElse("");
            try {
                InstalledPlugin now = reloads.reload(id, AdminGrpcServer.CALLER.get(), "admin-grpc");
                return ReloadPluginResponse.newBuilder()
                        .setPlugin(PluginMessages.plugin(now, states()))
                        .setPreviousVersion(previous)
                        .build();
            } catch (IllegalArgumentException e) {
                throw Status.NOT_FOUND.withDescription(e.getMessage()).asException();
            } catch (AdmissionException e) {
                String keeps = running(id)
                        .map(p -> "; " + p.pluginId() + " " + p.version() + " keeps running")
                        .orElse("; no version of it runs now");
                throw Status.FAILED_PRECONDITION
                        .withDescription("refused: " + e.getMessage() + keeps)
                        .asException();
            } catch (IllegalStateException e) {
                String keeps = running(id)
                        .map(p -> "; " + p.pluginId() + " " + p.version() + " keeps running")
                        .orElse("; no version of it runs now");
                throw Status.FAILED_PRECONDITION
                        .withDescription(e.getMessage() + keeps)
                        .asException();
            } catch (IOException e) {
                throw Status.FAILED_PRECONDITION
                        .withDescription("cannot read the plugin's JAR: " + Errors.rootMessage(e))
                        .asException();
            } catch (OpsException e) {
                throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asException();
            }
        });
    }

    private SubscriptionStates states() {
        return SubscriptionStates.now(runtime, health.runtimePhase());
    }

    private List<InstalledPlugin> running() {
        return runtime.plugins().stream()
                .sorted(Comparator.comparing(InstalledPlugin::pluginId))
                .toList();
    }

    private Optional<InstalledPlugin> running(String id) {
        return runtime.plugins().stream().filter(p -> p.pluginId().equals(id)).findFirst();
    }

    /** An answer, or the call's error status; anything unexpected is logged and answered INTERNAL. */
    private static <T> void respond(StreamObserver<T> answer, String call, Answer<T> body) {
        T value;
        try {
            value = body.get();
        } catch (StatusException e) {
            answer.onError(e);
            return;
        } catch (RuntimeException e) {
            LOG.warn("admin {} failed: {}", call, Errors.rootMessage(e), e);
            answer.onError(Status.INTERNAL
                    .withDescription(call + " failed; see the runtime's log")
                    .asException());
            return;
        }
        answer.onNext(value);
        answer.onCompleted();
    }

    @FunctionalInterface
    private interface Answer<T> {
        T get() throws StatusException;
    }
}
