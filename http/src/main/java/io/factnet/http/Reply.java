package io.factnet.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP answer: status, body and content type (JSON unless said), ours or relayed from another server, and any
 * further headers it needs (a static file's Content-Security-Policy, a redirect's Location); most answers have none.
 */
public record Reply(int status, byte[] body, String contentType, Map<String, String> headers) {
    public static final String JSON_TYPE = "application/json; charset=utf-8";
    public static final ObjectMapper MAPPER = new ObjectMapper();

    public Reply {
        headers = Collections.unmodifiableMap(new TreeMap<>(headers)); // sorted: one order for tests and logs
    }

    public Reply(int status, byte[] body, String contentType) {
        this(status, body, contentType, Map.of());
    }

    public static Reply json(int status, JsonNode body) {
        try {
            return new Reply(status, MAPPER.writeValueAsBytes(body), JSON_TYPE);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"error": "...", "status": N}}: the one shape of every error of factnet's HTTP servers. */
    public static Reply error(int status, String message) {
        return json(status, MAPPER.createObjectNode().put("error", message).put("status", status));
    }

    public static Reply text(int status, String body, String contentType) {
        return new Reply(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /** This answer with more headers (Content-Type is the record's own field, not one of these). */
    public Reply withHeaders(Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(headers);
        all.putAll(more);
        return new Reply(status, body, contentType, all);
    }
}
