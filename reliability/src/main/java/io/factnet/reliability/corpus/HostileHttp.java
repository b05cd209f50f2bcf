package io.factnet.reliability.corpus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The corpus's HTTP family: calls to the API gateway that no JSON client would make (bodies that are not JSON, not
 * an object, of the wrong types, too large or too deep; headers too long or malformed; paths that try to climb out),
 * each with the status it must get. Every one is answered with a problem document ({@code application/problem+json},
 * a status and a detail), none reaches Kafka, and the gateway answers the next call as before. The corpus's Kafka
 * entries are also played through the gateway (GatewayCorpusTest): what the controller refuses the gateway must
 * refuse too, with a 4xx.
 */
public final class HostileHttp {
    public static final String FAMILY = "hostile HTTP calls to the gateway";

    /** One call: a member's token goes with it unless {@code anonymous}. */
    public record Call(String name, String method, String path, Map<String, String> headers, byte[] body, int status) {
    }

    private HostileHttp() {
    }

    /** The calls, made against project {@code project} (whose member's token the player sends). */
    public static List<Call> calls(String project, int maxBodyBytes) {
        String groups = "/v1/projects/" + project + "/security-groups";
        String rules = groups + "/web/rules";
        List<Call> calls = new ArrayList<>();
        body(calls, "cut short", groups, "{\"name\": ", 400);
        body(calls, "not JSON", groups, "name=web", 400);
        body(calls, "an array", groups, "[\"web\"]", 400);
        body(calls, "a string", groups, "\"web\"", 400);
        body(calls, "a number for a string", groups, "{\"name\": 42}", 400);
        body(calls, "an object for a string", groups, "{\"name\": {\"$ne\": null}}", 400);
        body(calls, "null for a required string", groups, "{\"name\": null}", 400);
        body(calls, "an unknown member", groups, "{\"name\": \"x\", \"project\": \"someone-else\"}", 400);
        body(calls, "a required member missing", groups, "{\"description\": \"no name\"}", 400);
        body(calls, "an integer past 32 bits", rules, "{\"protocol\": \"TCP\", \"fromPort\": 4294967318, \"toPort\": 22}", 400);
        body(calls, "a fraction for an integer", rules, "{\"protocol\": \"TCP\", \"fromPort\": 22.5, \"toPort\": 22}", 400);
        body(calls, "an unknown enum symbol", rules, "{\"protocol\": \"SCTP\"}", 400);
        body(calls, "nesting 10 000 deep", groups, "[".repeat(10_000) + "]".repeat(10_000), 400);
        body(calls, "one byte too large", groups, "{\"name\": \"" + "x".repeat(maxBodyBytes) + "\"}", 413);
        body(calls, "a member repeated", groups, "{\"name\": \"a\", \"name\": \"b\"}", 400);
        calls.add(new Call("invalid UTF-8", "POST", groups, Map.of("Content-Type", "application/json"),
                new byte[] {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}, 400));
        calls.add(new Call("an array of 2 000 strings", "POST", "/v1/projects/" + project + "/commands/add-vpn-peer",
                Map.of("Content-Type", "application/json"), ("{\"publicKey\": [" + "\"k\",".repeat(1999) + "\"k\"]}")
                        .getBytes(StandardCharsets.UTF_8), 400));
        calls.add(new Call("a header of 16 KiB", "POST", groups, Map.of("X-Padding", "x".repeat(16 * 1024)),
                "{\"name\": \"x\"}".getBytes(StandardCharsets.UTF_8), 431));
        calls.add(new Call("an Idempotency-Key with a newline escape", "POST", groups, Map.of("Idempotency-Key", "a;b c"),
                "{\"name\": \"x\"}".getBytes(StandardCharsets.UTF_8), 400));
        calls.add(new Call("an Idempotency-Key of 300 characters", "POST", groups, Map.of("Idempotency-Key", "k".repeat(300)),
                "{\"name\": \"x\"}".getBytes(StandardCharsets.UTF_8), 400));
        calls.add(new Call("a path that climbs to another project", "GET", "/v1/projects/" + project + "/..%2f..%2fprojects%2fother",
                Map.of(), null, 404));
        calls.add(new Call("a method the path does not have", "PATCH", groups, Map.of(), null, 405));
        calls.add(new Call("a path nobody serves", "GET", "/v1/projects/" + project + "/secrets", Map.of(), null, 404));
        return calls;
    }

    private static void body(List<Call> calls, String name, String path, String json, int status) {
        calls.add(new Call(name, "POST", path, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8), status));
    }
}
