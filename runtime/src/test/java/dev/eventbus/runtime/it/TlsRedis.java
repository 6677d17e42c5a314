package dev.eventbus.runtime.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real {@code redis-server} that speaks only TLS ({@code --port 0}), demanding a client certificate
 * signed by the test CA ({@code tls-auth-clients yes}).
 */
final class TlsRedis implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private TlsRedis(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static TlsRedis start(TestCertificates pki, Path dir) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("redis-tls.log");
        Process process = new ProcessBuilder(List.of(
                        "redis-server",
                        "--port",
                        "0",
                        "--tls-port",
                        String.valueOf(port),
                        "--bind",
                        "127.0.0.1",
                        "--tls-cert-file",
                        pki.serverCert.toString(),
                        "--tls-key-file",
                        pki.serverKey.toString(),
                        "--tls-ca-cert-file",
                        pki.caCert.toString(),
                        "--tls-auth-clients",
                        "yes",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        TlsRedis redis = new TlsRedis(process, port, log);
        try {
            Awaitility.await("redis-server listening on TLS port " + port)
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("redis-server exited: " + Files.readString(log));
                        }
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    /** {@code rediss://} to this server by the name its certificate holds. */
    String uri() {
        return "rediss://localhost:" + port;
    }

    int port() {
        return port;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
