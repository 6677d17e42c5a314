package dev.eventbus.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Redis ACL rules the README gives are the ones {@code RedisAclIT} creates its users from: the
 * README quotes {@code redis-acl.txt} whole, in one code block.
 */
class RedisAclRulesTest {

    @Test
    void theReadmeQuotesTheTestedRules() throws Exception {
        String rules;
        try (InputStream in = RedisAclRulesTest.class.getResourceAsStream("/dev/eventbus/runtime/redis-acl.txt")) {
            rules = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> users = rules.lines().map(l -> l.split(" ")[2]).toList();
        assertEquals(List.of("eventbus", "eventbus-operator"), users, rules);
        assertTrue(
                rules.lines()
                        .allMatch(l -> l.startsWith("ACL SETUSER ") && l.contains(" reset ") && l.contains(" -@all ")),
                "every user starts from nothing: " + rules);
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(
                readme.contains("```\n" + rules + "```\n"),
                "README.md does not quote redis-acl.txt as it is:\n" + rules);
    }
}
