package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a key file's problem says of its PEM blocks: each type with the article it is read out with. */
class PemKeysTest {

    private static String problem(String type, String body) {
        return PemKeys.problemIn(
                "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n", "", "key-password-file");
    }

    @Test
    void aPkcs1OrSec1KeyIsNamedWithTheArticleItIsReadOutWith() {
        // Found from outside: "holds a RSA PRIVATE KEY".
        assertTrue(
                problem("RSA PRIVATE KEY", "AAAA").startsWith("holds an RSA PRIVATE KEY (PKCS#1/SEC1): convert it"),
                problem("RSA PRIVATE KEY", "AAAA"));
        assertTrue(
                problem("EC PRIVATE KEY", "AAAA").startsWith("holds an EC PRIVATE KEY (PKCS#1/SEC1): convert it"),
                problem("EC PRIVATE KEY", "AAAA"));
    }

    @Test
    void aBlockThatIsNotBase64IsNamedWithItsArticleToo() {
        assertEquals("holds a PRIVATE KEY block that is not base64", problem("PRIVATE KEY", "A"));
        assertEquals("holds an ENCRYPTED PRIVATE KEY block that is not base64", problem("ENCRYPTED PRIVATE KEY", "A"));
        assertEquals("holds an RSA PRIVATE KEY block that is not base64", problem("RSA PRIVATE KEY", "A"));
        assertEquals("holds a CERTIFICATE block that is not base64", problem("CERTIFICATE", "A"));
    }

    @Test
    void theArticleFollowsTheSoundOfTheFirstWord() {
        assertEquals("an RSA PRIVATE KEY", PemKeys.withArticle("RSA PRIVATE KEY"));
        assertEquals("an EC PRIVATE KEY", PemKeys.withArticle("EC PRIVATE KEY"));
        assertEquals("a DSA PRIVATE KEY", PemKeys.withArticle("DSA PRIVATE KEY"));
        assertEquals("an X509 CRL", PemKeys.withArticle("X509 CRL"));
        assertEquals("an OPENSSH PRIVATE KEY", PemKeys.withArticle("OPENSSH PRIVATE KEY"));
        assertEquals("a NEW CERTIFICATE REQUEST", PemKeys.withArticle("NEW CERTIFICATE REQUEST"));
        assertEquals("a PRIVATE KEY", PemKeys.withArticle("PRIVATE KEY"));
    }
}
