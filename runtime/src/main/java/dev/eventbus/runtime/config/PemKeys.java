package dev.eventbus.runtime.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Checks a PEM private key file the way the TLS stack will read it (PKCS#8, plain or encrypted
 * with a password), so that a wrong file or password fails when the configuration is loaded,
 * naming the key, rather than at the first handshake. The Redis client reads its key again at
 * every connection and checks it here first.
 *
 * <p>Stateless and thread-safe.
 */
public final class PemKeys {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** The key types Netty's TLS (Lettuce's and gRPC's) reads: an Ed25519 key, valid PKCS#8 too, fails there. */
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "DSA");
    /** First words of PEM types said letter by letter: their article follows the first letter's name. */
    private static final Set<String> SPELLED_OUT = Set.of("RSA", "EC", "DSA", "DH", "X509", "PKCS7", "SSH2");

    private PemKeys() {}

    /**
     * What is wrong with the key file, or {@code null} when it holds a key the password (may be
     * empty) opens.
     *
     * @param passwordKeys the setting(s) that give the password, for the message, e.g. {@code
     *     redis.tls.key-password-file}
     */
    public static String problem(Path file, String password, String passwordKeys) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return "cannot be read (" + e.getClass().getSimpleName() + ")";
        }
        return problemIn(text, password, passwordKeys);
    }

    /** As {@link #problem(Path, String, String)}, for the file's text already read. */
    public static String problemIn(String text, String password, String passwordKeys) {
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                return "holds " + withArticle(type) + " block that is not base64";
            }
            switch (type) {
                case "PRIVATE KEY":
                    return password.isEmpty()
                            ? parse(der)
                            : "is not encrypted, but " + passwordKeys + " gives a password";
                case "ENCRYPTED PRIVATE KEY":
                    return password.isEmpty()
                            ? "is encrypted: set its password with " + passwordKeys
                            : decrypt(der, password, passwordKeys);
                case "RSA PRIVATE KEY", "EC PRIVATE KEY":
                    return "holds " + withArticle(type) + " (PKCS#1/SEC1): convert it to PKCS#8 with "
                            + "`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem`";
                default:
                // e.g. EC PARAMETERS before the key: look further
            }
        }
        return "holds no PEM private key";
    }

    /**
     * A block's type with its article, as the type is read out: "an RSA PRIVATE KEY" (R said "ar"),
     * "an EC PRIVATE KEY", "an ENCRYPTED PRIVATE KEY", "a PRIVATE KEY", "an X509 CRL". Found from
     * outside: "holds a RSA PRIVATE KEY".
     */
    static String withArticle(String type) {
        String first = type.split(" ", 2)[0];
        if (first.isEmpty()) {
            return "a " + type;
        }
        String vowelSounds = SPELLED_OUT.contains(first) ? "AEFHILMNORSX" : "AEIOU";
        return (vowelSounds.indexOf(first.charAt(0)) >= 0 ? "an " : "a ") + type;
    }

    private static String parse(byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : ALGORITHMS) {
            try {
                KeyFactory.getInstance(algorithm).generatePrivate(spec);
                return null;
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm: try the next
            }
        }
        return "holds a PRIVATE KEY block that is not an RSA, EC or DSA key (the TLS stack reads no other, "
                + "e.g. no Ed25519 key)";
    }

    private static String decrypt(byte[] der, String password, String passwordKeys) {
        PKCS8EncodedKeySpec spec;
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters parameters = info.getAlgParameters();
            // For PBES2 keys (what openssl writes) the JDK names the cipher only in the parameters.
            String algorithm = parameters == null
                            || "PBES2".equalsIgnoreCase(info.getAlgName())
                            || info.getAlgName().contains(".")
                    ? String.valueOf(parameters)
                    : info.getAlgName();
            SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(
                    Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())), parameters);
            spec = info.getKeySpec(cipher);
        } catch (java.security.NoSuchAlgorithmException e) {
            return "is encrypted with a cipher this JVM does not know (" + e.getMessage() + ")";
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            return "cannot be decrypted with the password of " + passwordKeys + " (wrong password?)";
        }
        return parse(spec.getEncoded());
    }
}
