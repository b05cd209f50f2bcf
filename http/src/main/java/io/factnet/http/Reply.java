package io.factnet.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** One HTTP answer: status, body and content type (JSON unless said), ours or relayed from another server. */
public record Reply(int status, byte[] body, String contentType) {
    public static final String JSON_TYPE = "application/json; charset=utf-8";
    public static final ObjectMapper MAPPER = new ObjectMapper();

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
}
