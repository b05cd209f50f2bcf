package io.factnet.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A thin client of the Confluent schema-registry REST API (also served by Apicurio at /apis/ccompat/v7).
 * Ids and schemas are cached for the life of the client: an id always names the same schema.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistryConfig config;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {
    }

    public HttpSchemaRegistryClient(SchemaRegistryConfig config) {
        this.config = config;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(config.timeout());
        config.tls().sslContext().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.authorization = config.userInfo()
                .map(info -> "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
    }

    @Override
    public int register(String subject, Schema schema) {
        return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
            JsonNode reply = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
            int id = reply.path("id").asInt(-1);
            if (id < 0) {
                throw new SchemaRegistryException(-1, "registry gave no id when registering under " + subject + ": " + reply);
            }
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
            JsonNode reply = call("POST", "/subjects/" + encode(subject), schemaBody(schema));
            int id = reply.path("id").asInt(-1);
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, key -> {
            JsonNode reply = call("GET", "/schemas/ids/" + id, null);
            String type = reply.path("schemaType").asText("AVRO");
            if (!"AVRO".equals(type)) {
                throw new SchemaRegistryException(-1, "schema id " + id + " is " + type + ", not AVRO");
            }
            return new Schema.Parser().parse(reply.path("schema").asText());
        });
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode reply = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema));
            return reply.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND) {
                return true; // nothing registered yet: anything is compatible
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", "/config/" + encode(subject), body.toString());
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8);
    }

    /**
     * Calls each configured URL in turn until one answers. An answer (2xx, or an error about the request such as
     * 404 unknown id) is final; a URL that gives none (I/O error, timeout, 5xx, 401/403/408/429) passes the call
     * to the next, and when none answers the exception says the registry is {@link SchemaRegistryException#unavailable()}.
     */
    private JsonNode call(String method, String path, String body) {
        Exception last = null;
        for (String base : config.urls()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(config.timeout())
                    .header("Accept", ACCEPT)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return parse(method, base + path, response);
            } catch (SchemaRegistryException e) {
                if (!e.unavailable()) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted calling the schema registry", e);
            }
        }
        throw new SchemaRegistryException("schema registry unreachable at " + String.join(",", config.urls())
                + ": " + last, last);
    }

    private static JsonNode parse(String method, String url, HttpResponse<String> response) throws IOException {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        }
        JsonNode json = errorBody(response.body());
        int code = json.path("error_code").asInt(status);
        String message = json.path("message").asText(shorten(response.body()));
        throw new SchemaRegistryException(code, method + " " + url + " failed (" + status + ", error " + code + "): " + message,
                !answered(status, code));
    }

    /**
     * Whether an error status answers the question asked. A 404 does only with the registry's own error code
     * (40401 subject, 40402 version, 40403 schema not found): a 404 from a proxy or a wrong base URL is not the
     * registry saying that an id is unknown, and must not send records to the dead letters.
     */
    static boolean answered(int status, int code) {
        return switch (status) {
            case 404 -> code / 100 == 404;
            case 400, 409, 422 -> true;
            default -> false;
        };
    }

    /** An error's body as the registry's JSON, or an empty object when it is not JSON (an HTML page from a proxy). */
    private static JsonNode errorBody(String body) {
        try {
            JsonNode json = body.isBlank() ? null : JSON.readTree(body);
            return json != null && json.isObject() ? json : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String shorten(String body) {
        String oneLine = body.replaceAll("\\s+", " ").strip();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** For tests: what this client has cached. */
    List<Integer> cachedIds() {
        return List.copyOf(schemasById.keySet());
    }
}
