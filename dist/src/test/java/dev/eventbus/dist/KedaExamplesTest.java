package dev.eventbus.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The KEDA examples the distribution ships under samples/kubernetes parse, and hold what the
 * README says: a redis-streams trigger on lagCount naming the handler's group, and Prometheus
 * triggers on the runtime's scale signal.
 */
class KedaExamplesTest {

    private static final Path DIR = Path.of("src/kubernetes");

    @Test
    void lagExampleScalesOnTheGroupsLag() throws IOException {
        List<Map<String, Object>> docs = documents("keda-lag.yaml");
        Map<String, Object> auth = kind(docs, "TriggerAuthentication").get(0);
        Map<String, Object> trigger = onlyTrigger(kind(docs, "ScaledObject").get(0));
        assertEquals("redis-streams", trigger.get("type"));
        Map<String, Object> meta = map(trigger, "metadata");
        assertEquals("wallet", meta.get("stream"));
        assertEquals("mark-order-paid", meta.get("consumerGroup"));
        assertEquals("500", meta.get("lagCount"), "KEDA takes metadata values as strings");
        assertEquals(
                map(auth, "metadata").get("name"),
                map(trigger, "authenticationRef").get("name"));
    }

    @Test
    void workableExamplesQueryTheScaleSignal() throws IOException {
        List<Map<String, Object>> scaled = kind(documents("keda-workable.yaml"), "ScaledObject");
        assertEquals(2, scaled.size());
        List<String> queries = new ArrayList<>();
        for (Map<String, Object> object : scaled) {
            Map<String, Object> spec = map(object, "spec");
            assertEquals("eventbus", map(spec, "scaleTargetRef").get("name"));
            assertTrue((Integer) spec.get("minReplicaCount") >= 1, "one instance stays to probe the service");
            Map<String, Object> trigger = onlyTrigger(object);
            assertEquals("prometheus", trigger.get("type"));
            Map<String, Object> meta = map(trigger, "metadata");
            assertTrue(String.valueOf(meta.get("serverAddress")).startsWith("http"));
            assertTrue(meta.get("threshold") instanceof String, "KEDA takes metadata values as strings");
            queries.add(String.valueOf(meta.get("query")));
        }
        assertEquals(
                List.of(
                        "min(eventbus_subscription_workable{handler=\"mark-order-paid\",stream=\"wallet\"})",
                        "min(eventbus_logical_stream_workable{handler=\"ship-order\",stream=\"orders\"})"),
                queries);
    }

    private static List<Map<String, Object>> documents(String file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(DIR.resolve(file))) {
            for (Object doc : new Yaml().loadAll(in)) {
                assertTrue(doc instanceof Map, file + ": each document is a mapping");
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) doc;
                assertEquals("keda.sh/v1alpha1", m.get("apiVersion"), file);
                assertNotNull(map(m, "metadata").get("name"), file);
                docs.add(m);
            }
        }
        assertFalse(docs.isEmpty(), file);
        return docs;
    }

    private static List<Map<String, Object>> kind(List<Map<String, Object>> docs, String kind) {
        List<Map<String, Object>> of =
                docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertFalse(of.isEmpty(), "no " + kind);
        return of;
    }

    private static Map<String, Object> onlyTrigger(Map<String, Object> scaledObject) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> triggers =
                (List<Map<String, Object>>) map(scaledObject, "spec").get("triggers");
        assertEquals(1, triggers.size());
        return triggers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is a mapping in " + parent);
        return (Map<String, Object>) value;
    }
}
