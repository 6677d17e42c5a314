package dev.eventbus.runtime.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made at test time with the {@code openssl} CLI: a CA, a server certificate for
 * localhost and 127.0.0.1, and a client certificate, all PEM (keys PKCS#8). Nothing is checked in.
 */
public final class TestCertificates {

    public final Path dir;
    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;

    private TestCertificates(Path dir, String name) {
        this.dir = dir;
        this.caCert = dir.resolve(name + "-ca.crt");
        this.serverCert = dir.resolve(name + "-server.crt");
        this.serverKey = dir.resolve(name + "-server.key");
        this.clientCert = dir.resolve(name + "-client.crt");
        this.clientKey = dir.resolve(name + "-client.key");
    }

    /** A CA called {@code name} and the certificates it signs, in {@code dir}. */
    public static TestCertificates create(Path dir, String name) throws Exception {
        TestCertificates pki = new TestCertificates(dir, name);
        Path caKey = dir.resolve(name + "-ca.key");
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                caKey.toString(),
                "-out",
                pki.caCert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=" + name + "-ca");
        Path serverExt =
                Files.writeString(dir.resolve(name + "-server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        pki.sign(caKey, "/CN=localhost", pki.serverKey, pki.serverCert, serverExt);
        Path clientExt = Files.writeString(dir.resolve(name + "-client.ext"), "extendedKeyUsage=clientAuth\n");
        pki.sign(caKey, "/CN=eventbus", pki.clientKey, pki.clientCert, clientExt);
        return pki;
    }

    /** The client key encrypted (PKCS#8, AES) with {@code password}. */
    public Path encryptedClientKey(String password) throws Exception {
        Path out = dir.resolve(clientKey.getFileName() + ".enc");
        openssl(
                dir,
                "pkcs8",
                "-topk8",
                "-in",
                clientKey.toString(),
                "-out",
                out.toString(),
                "-v2",
                "aes-256-cbc",
                "-passout",
                "pass:" + password);
        return out;
    }

    /** The client key in its traditional form, SEC1 ({@code EC PRIVATE KEY}), not PKCS#8. */
    public Path traditionalClientKey() throws Exception {
        Path out = dir.resolve(clientKey.getFileName() + ".sec1");
        openssl(dir, "pkey", "-in", clientKey.toString(), "-traditional", "-out", out.toString());
        return out;
    }

    /** A new RSA key in PKCS#1 form ({@code RSA PRIVATE KEY}), as {@code openssl rsa -traditional} writes it. */
    public Path rsaPkcs1Key() throws Exception {
        Path pkcs8 = dir.resolve("rsa.pk8.key");
        Path out = dir.resolve("rsa.pkcs1.key");
        openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pkcs8.toString());
        openssl(dir, "pkey", "-in", pkcs8.toString(), "-traditional", "-out", out.toString());
        return out;
    }

    /** A new Ed25519 key, PKCS#8 ({@code PRIVATE KEY}), which Netty's TLS cannot read. */
    public Path ed25519Key() throws Exception {
        Path out = dir.resolve("ed25519.key");
        openssl(dir, "genpkey", "-algorithm", "ed25519", "-out", out.toString());
        return out;
    }

    private void sign(Path caKey, String subject, Path key, Path cert, Path ext) throws Exception {
        Path csr = dir.resolve(cert.getFileName() + ".csr");
        openssl(
                dir,
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                subject);
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caCert.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-extfile",
                ext.toString());
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
    }
}
