package io.factnet.cli.show;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** Reads the controller's HTTP API; every failure is one line a user can act on. */
final class ControllerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String base;

    ControllerClient(String url) {
        String trimmed = url.strip().replaceAll("/+$", "");
        try {
            URI uri = URI.create(trimmed);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new ShowException("--controller " + url + " is not a URL like http://127.0.0.1:8080");
        }
        this.base = trimmed;
    }

    /**
     * Every page of a list ({@code next.href} followed until null), as one answer: the pages' arrays
     * concatenated (they come in order), other fields from the first page, no {@code next}.
     */
    JsonNode all(String pathAndQuery) {
        // the API's largest page: fewest round trips
        String next = pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "limit=1000";
        ObjectNode all = null;
        Set<String> asked = new HashSet<>();
        while (next != null) {
            if (!asked.add(next)) {
                throw new ShowException("the controller at " + base + " gave the same page twice: " + next);
            }
            JsonNode page = get(next);
            JsonNode link = page.path("next");
            next = link.isObject() ? link.path("href").asText(null) : null;
            if (all == null) {
                all = ((ObjectNode) page).deepCopy();
                all.remove("next");
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = page.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue().isArray() && all.get(field.getKey()) instanceof ArrayNode items) {
                    items.addAll((ArrayNode) field.getValue());
                }
            }
        }
        return all;
    }

    JsonNode get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(TIMEOUT)
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new ShowException("no controller at " + base + " (no answer to connect within 3 s)");
        } catch (HttpTimeoutException e) {
            throw new ShowException("the controller at " + base + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            throw new ShowException("no controller at " + base + " (connection refused)");
        } catch (IOException e) {
            throw new ShowException("no controller at " + base + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShowException("interrupted");
        }
        JsonNode body = parse(response.body());
        String error = body != null && body.has("error") ? body.get("error").asText() : null;
        if (response.statusCode() == 200 && body != null && body.isObject()) {
            return body;
        } else if (response.statusCode() == 404 && error != null) {
            throw new ShowException(error);
        } else if (response.statusCode() == 503) {
            throw new ShowException("the controller at " + base + " cannot answer now: " + (error != null ? error : "503"));
        }
        throw new ShowException("the controller at " + base + " answered " + response.statusCode()
                + (error != null ? ": " + error : body == null ? " (not JSON: is this factnet's controller?)" : ""));
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** A failure of {@code factnet show}: its message is the whole story. */
    static final class ShowException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ShowException(String message) {
            super(message, null, false, false);
        }
    }
}
