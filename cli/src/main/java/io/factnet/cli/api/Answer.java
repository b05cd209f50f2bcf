package io.factnet.cli.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer of the gateway: status, JSON body, its media type and any extra headers. */
record Answer(int status, byte[] body, String contentType, Map<String, String> headers) {
    /** A member given twice is refused: parsers differ on which one wins, and a check and a use must not disagree. */
    static final ObjectMapper JSON = io.factnet.cli.client.Bodies.JSON;
    static final String JSON_TYPE = "application/json; charset=utf-8";
    static final String PROBLEM_TYPE = "application/problem+json; charset=utf-8";

    static Answer json(int status, JsonNode body) {
        return new Answer(status, bytes(body), JSON_TYPE, Map.of());
    }

    static Answer raw(int status, byte[] body) {
        return new Answer(status, body, JSON_TYPE, Map.of());
    }

    /**
     * An RFC 9457 problem document: {@code type} names the reason ({@code urn:factnet:reason:NOT_FOUND} for the
     * controller's reason codes, {@code urn:factnet:gateway:...} for the gateway's own refusals), {@code reason} the code.
     */
    static Answer problem(int status, String reason, String title, String detail) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", (Problems.GATEWAY_REASONS.contains(reason) ? "urn:factnet:gateway:" : "urn:factnet:reason:") + reason);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("reason", reason);
        return new Answer(status, bytes(body), PROBLEM_TYPE, Map.of());
    }

    Answer with(String header, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(header, value);
        return new Answer(status, body, contentType, more);
    }

    /** The same problem with more members (request id, poll link, the result). */
    Answer withMember(String name, JsonNode value) {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(body);
            node.set(name, value);
            return new Answer(status, bytes(node), contentType, headers);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
