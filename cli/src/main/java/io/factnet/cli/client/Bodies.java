package io.factnet.cli.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * JSON bodies to command records and results to JSON, by the Avro schema: a body's members are the command's
 * fields under their Avro names; a field left out takes the schema's default (or null when nullable); an unknown
 * member, a wrong type or a missing required field is a 400 that names it.
 */
public final class Bodies {
    private Bodies() {
    }

    /** A body the schema refuses: one line naming the field. */
    public static final class BadBody extends Exception {
        BadBody(String message) {
            super(message);
        }
    }

    /** Strict: a body with a member twice is refused, not read as the last one. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    static final int MAX_ARRAY = 1024;

    /** The command record from the body's members and the path's fields; a member that contradicts the path is refused. */
    public static SpecificRecord command(Schema schema, JsonNode body, Map<String, String> pathFields) throws BadBody {
        if (body != null && !body.isNull() && !body.isObject()) {
            throw new BadBody("the body must be a JSON object of " + schema.getName() + "'s fields");
        }
        ObjectNode members = body == null || body.isNull() ? JSON.createObjectNode() : (ObjectNode) body;
        for (Iterator<String> names = members.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                throw new BadBody("unknown field " + quote(name) + " (" + schema.getName() + " has "
                        + String.join(", ", schema.getFields().stream().map(Schema.Field::name).toList()) + ")");
            }
        }
        SpecificData data = SpecificData.getForSchema(schema);
        SpecificRecord record = (SpecificRecord) data.newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
            JsonNode given = members.get(field.name());
            String fromPath = pathFields.get(field.name());
            if (fromPath != null) {
                if (given != null && !(given.isTextual() && given.asText().equals(fromPath))) {
                    throw new BadBody("field " + field.name() + " is given by the path (" + quote(fromPath) + "); the body may only repeat it");
                }
                given = JSON.getNodeFactory().textNode(fromPath);
            }
            Object value;
            if (given == null) {
                if (field.hasDefaultValue()) {
                    value = data.getDefaultValue(field);
                } else if (nullable(field.schema())) {
                    value = null;
                } else {
                    throw new BadBody("field " + field.name() + " is required");
                }
            } else {
                value = value(field.name(), field.schema(), given, data);
            }
            record.put(field.pos(), value);
        }
        return record;
    }

    private static Object value(String name, Schema schema, JsonNode node, SpecificData data) throws BadBody {
        switch (schema.getType()) {
            case UNION -> {
                if (node.isNull()) {
                    if (nullable(schema)) {
                        return null;
                    }
                    throw new BadBody("field " + name + " must not be null");
                }
                List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
                if (branches.size() != 1) {
                    throw new BadBody("field " + name + " cannot be given as JSON");
                }
                return value(name, branches.get(0), node, data);
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw new BadBody("field " + name + " must be a string");
                }
                return node.asText();
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw new BadBody("field " + name + " must be an integer (32 bits)");
                }
                return node.intValue();
            }
            case LONG -> {
                if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    try {
                        return node.isIntegralNumber() ? Instant.ofEpochMilli(node.longValue()) : Instant.parse(node.asText());
                    } catch (DateTimeParseException e) {
                        throw new BadBody("field " + name + " must be an ISO-8601 instant or epoch milliseconds");
                    }
                }
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw new BadBody("field " + name + " must be an integer");
                }
                return node.longValue();
            }
            case FLOAT, DOUBLE -> {
                if (!node.isNumber()) {
                    throw new BadBody("field " + name + " must be a number");
                }
                return schema.getType() == Schema.Type.FLOAT ? (Object) node.floatValue() : (Object) node.doubleValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw new BadBody("field " + name + " must be true or false");
                }
                return node.booleanValue();
            }
            case ENUM -> {
                if (node.isTextual()) {
                    for (String symbol : schema.getEnumSymbols()) {
                        if (symbol.equalsIgnoreCase(node.asText())) {
                            return data.createEnum(symbol, schema);
                        }
                    }
                }
                throw new BadBody("field " + name + " must be one of " + String.join(", ", schema.getEnumSymbols()));
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw new BadBody("field " + name + " must be an array");
                }
                if (node.size() > MAX_ARRAY) {
                    throw new BadBody("field " + name + " has more than " + MAX_ARRAY + " elements");
                }
                List<Object> values = new ArrayList<>();
                for (JsonNode element : node) {
                    values.add(value(name + "[]", schema.getElementType(), element, data));
                }
                return values;
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw new BadBody("field " + name + " must be an object");
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    values.put(entry.getKey(), value(name + "." + entry.getKey(), schema.getValueType(), entry.getValue(), data));
                }
                return values;
            }
            default -> throw new BadBody("field " + name + " cannot be given as JSON");
        }
    }

    public static boolean nullable(Schema schema) {
        return schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    private static String quote(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return JSON.getNodeFactory().textNode(cut).toString();
    }

    /**
     * A result as JSON, members under the Avro names: requestId, project, command, status, reason, message,
     * completedAt, allocated (its set fields), touched, sequence, requestedBy.
     */
    public static ObjectNode result(Result result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("requestId", result.getRequestId());
        node.put("project", result.getProject());
        node.put("command", result.getCommand());
        node.put("status", result.getStatus().name());
        node.put("reason", result.getReason().name());
        node.put("message", result.getMessage());
        node.put("completedAt", result.getCompletedAt().toString());
        ObjectNode allocated = JSON.createObjectNode();
        Allocation allocation = result.getAllocated();
        if (allocation != null) {
            for (Schema.Field field : allocation.getSchema().getFields()) {
                Object value = allocation.get(field.pos());
                if (value != null) {
                    allocated.set(field.name(), JSON.valueToTree(value instanceof CharSequence ? value.toString() : value));
                }
            }
        }
        node.set("allocated", allocation == null ? JSON.nullNode() : allocated);
        var touched = node.putArray("touched");
        for (NodeRef ref : result.getTouched()) {
            touched.addObject().put("nodeId", ref.getNodeId()).put("role", ref.getRole().name());
        }
        if (result.getSequence() == null) {
            node.putNull("sequence");
        } else {
            node.put("sequence", result.getSequence());
        }
        Requester by = result.getRequestedBy();
        if (by == null) {
            node.putNull("requestedBy");
        } else {
            node.putObject("requestedBy").put("subject", by.getSubject()).put("gateway", by.getGateway());
        }
        return node;
    }

    /** A command record as the body {@link #command} reads back: its fields under their Avro names. */
    public static ObjectNode body(SpecificRecord command) {
        ObjectNode body = JSON.createObjectNode();
        for (Schema.Field field : command.getSchema().getFields()) {
            body.set(field.name(), json(command.get(field.pos())));
        }
        return body;
    }

    private static JsonNode json(Object value) {
        if (value == null) {
            return JSON.nullNode();
        }
        if (value instanceof CharSequence || value instanceof Enum<?> || value instanceof org.apache.avro.generic.GenericEnumSymbol<?>
                || value instanceof Instant) {
            return JSON.getNodeFactory().textNode(value.toString());
        }
        if (value instanceof List<?> list) {
            var array = JSON.createArrayNode();
            list.forEach(element -> array.add(json(element)));
            return array;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = JSON.createObjectNode();
            map.forEach((key, element) -> object.set(key.toString(), json(element)));
            return object;
        }
        return JSON.valueToTree(value);
    }

    /** The result a {@link #result} document describes (what a gateway answered). */
    public static Result resultOf(JsonNode json) throws BadBody {
        if (json == null || !json.isObject() || !json.hasNonNull("requestId") || !json.hasNonNull("status")) {
            throw new BadBody("not a result document");
        }
        Result.Builder result = Result.newBuilder()
                .setRequestId(json.path("requestId").asText())
                .setProject(json.path("project").asText())
                .setCommand(json.path("command").asText())
                .setStatus((io.factnet.model.Status) value("status", Result.SCHEMA$.getField("status").schema(), json.path("status"),
                        SpecificData.get()))
                .setReason((io.factnet.model.Reason) value("reason", Result.SCHEMA$.getField("reason").schema(), json.path("reason"),
                        SpecificData.get()))
                .setMessage(json.path("message").asText(""))
                .setCompletedAt(Instant.parse(json.path("completedAt").asText(Instant.EPOCH.toString())))
                .setSequence(json.path("sequence").isIntegralNumber() ? json.path("sequence").longValue() : null);
        JsonNode allocated = json.path("allocated");
        if (allocated.isObject()) {
            result.setAllocated((Allocation) command(Allocation.SCHEMA$, allocated, Map.of()));
        }
        List<NodeRef> touched = new ArrayList<>();
        for (JsonNode node : json.path("touched")) {
            touched.add(new NodeRef(node.path("nodeId").asText(),
                    io.factnet.model.NodeRole.valueOf(node.path("role").asText())));
        }
        result.setTouched(touched);
        JsonNode by = json.path("requestedBy");
        if (by.isObject()) {
            result.setRequestedBy(new Requester(by.path("subject").asText(), by.path("gateway").asText()));
        }
        return result.build();
    }
}
