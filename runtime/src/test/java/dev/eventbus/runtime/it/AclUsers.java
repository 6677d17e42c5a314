package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.testkit.RedisExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis users made from the ACL rules the README gives ({@code redis-acl.txt}, which it quotes),
 * with the placeholders filled in and, for a test of a refusal, some rules left out.
 */
final class AclUsers {

    private AclUsers() {}

    static final String RULES = "/dev/eventbus/runtime/redis-acl.txt";

    /** The documented rules, one {@code ACL SETUSER} line per user. */
    static List<String> documentedRules() throws IOException {
        try (InputStream in = AclUsers.class.getResourceAsStream(RULES)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> l.startsWith("ACL SETUSER "))
                    .toList();
        }
    }

    /**
     * Creates a documented user on {@code redis}, {@code <streams>} replaced by {@code streams} (one
     * key pattern per word, e.g. {@code ~wallet ~{wallet:*}), without the rules {@code drop}.
     */
    static void create(RedisExtension redis, String user, String password, String streams, String... drop)
            throws IOException {
        String line = documentedRules().stream()
                .filter(l -> l.startsWith("ACL SETUSER " + user + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no documented user " + user));
        List<String> args = new ArrayList<>();
        for (String word : line.split(" ")) {
            if (List.of(drop).contains(word)) {
                continue;
            }
            if (word.equals("<streams>")) {
                args.addAll(List.of(streams.split(" ")));
            } else {
                args.add(word.replace("<password>", password));
            }
        }
        long dropped = List.of(line.split(" ")).stream()
                .filter(List.of(drop)::contains)
                .count();
        assertEquals(drop.length, dropped, "every rule to drop is documented: " + line);
        redis.command(args.toArray(String[]::new));
    }

    /** {@code redis}'s URI as {@code user}. */
    static String uri(RedisExtension redis, String user, String password) {
        return redis.uri().replace("redis://", "redis://" + user + ":" + password + "@");
    }
}
