package io.factnet.cli.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.cli.client.Bodies;
import io.factnet.cli.client.CommandPaths;
import io.factnet.cli.request.RequestCommand;
import io.factnet.model.Result;
import io.factnet.topics.RequestRoutes;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The OpenAPI 3.1 document of the gateway, made from {@link CommandRoutes} (itself made from the command list of
 * {@code factnet request}): one operation per command path, its body schema from the command record's fields
 * (types, defaults, docs), and the read paths. Nothing here names a command.
 */
final class OpenApi {
    private OpenApi() {
    }

    static ObjectNode document() {
        ObjectNode doc = Answer.JSON.createObjectNode();
        doc.put("openapi", "3.1.0");
        doc.putObject("info").put("title", "factnet API").put("version", "1")
                .put("description", "Projects and operators call factnet here; each change is a request event on Kafka, "
                        + "answered with its result (docs/gateway.md).");
        doc.putArray("security").addObject().putArray("bearer");
        ObjectNode components = doc.putObject("components");
        components.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT");
        ObjectNode schemas = components.putObject("schemas");
        schemas.set("Result", schema(Result.getClassSchema()));
        ObjectNode problem = schemas.putObject("Problem");
        problem.put("type", "object");
        ObjectNode props = problem.putObject("properties");
        for (String name : List.of("type", "title", "detail", "reason", "requestId")) {
            props.putObject(name).put("type", "string");
        }
        props.putObject("status").put("type", "integer");
        for (Schema command : RequestCommand.commandSchemas()) {
            if (CommandPaths.served(RequestRoutes.scopeOf(command.getName()))) {
                schemas.set(command.getName(), schema(command));
            }
        }
        ObjectNode paths = doc.putObject("paths");
        for (CommandRoutes.Route route : CommandRoutes.all()) {
            ObjectNode path = paths.has(route.template()) ? (ObjectNode) paths.get(route.template()) : paths.putObject(route.template());
            path.set(route.method().toLowerCase(java.util.Locale.ROOT), operation(route));
        }
        for (Reads.Read read : Reads.ALL) {
            ObjectNode path = paths.has(read.template()) ? (ObjectNode) paths.get(read.template()) : paths.putObject(read.template());
            ObjectNode get = path.putObject("get");
            get.put("operationId", read.operationId()).put("summary", read.summary());
            parameters(get.putArray("parameters"), read.template(), null);
            ObjectNode responses = get.putObject("responses");
            responses.putObject("200").put("description", "the controller's answer (docs/api.md)");
            problems(responses, "401", "404", "429", "503");
        }
        return doc;
    }

    private static ObjectNode operation(CommandRoutes.Route route) {
        ObjectNode op = Answer.JSON.createObjectNode();
        op.put("operationId", route.generic() ? "command" + route.commandName() : route.commandName());
        op.put("summary", route.command().getDoc() == null ? route.commandName() : route.command().getDoc().trim());
        op.put("description", "Sent as " + route.commandName() + " to " + route.scope().topic().name()
                + (route.generic() ? " (the generic path of the command)." : "."));
        ArrayNode parameters = op.putArray("parameters");
        parameters(parameters, route.template(), route.command());
        parameters.addObject().put("name", "Idempotency-Key").put("in", "header")
                .put("description", "Becomes the request id: resending it returns the first result and changes nothing.")
                .putObject("schema").put("type", "string").put("pattern", "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
        parameters.addObject().put("name", "Prefer").put("in", "header")
                .put("description", "respond-async: answer 202 with the request id and a link to poll at once.")
                .putObject("schema").put("type", "string");
        ObjectNode body = schema(route.command());
        ObjectNode properties = (ObjectNode) body.get("properties");
        ArrayNode required = (ArrayNode) body.get("required");
        for (String field : route.pathFields()) {
            properties.remove(field);
            for (int i = required.size() - 1; i >= 0; i--) {
                if (required.get(i).asText().equals(field)) {
                    required.remove(i);
                }
            }
        }
        op.putObject("requestBody").put("required", false).putObject("content").putObject("application/json").set("schema", body);
        ObjectNode responses = op.putObject("responses");
        responses.putObject("200").put("description", "ACCEPTED: the result").putObject("content")
                .putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/Result");
        responses.putObject("202").put("description", "Prefer: respond-async; poll the Location");
        problems(responses, "400", "401", "403", "404", "409", "429", "500", "504");
        return op;
    }

    private static void parameters(ArrayNode parameters, String template, Schema command) {
        for (String segment : template.substring(1).split("/")) {
            if (segment.startsWith("{")) {
                String name = segment.substring(1, segment.length() - 1);
                ObjectNode parameter = parameters.addObject().put("name", name).put("in", "path").put("required", true);
                if (command != null && command.getField(name) != null) {
                    parameter.set("schema", type(command.getField(name).schema()));
                } else {
                    parameter.putObject("schema").put("type", "string");
                }
            }
        }
    }

    private static void problems(ObjectNode responses, String... statuses) {
        for (String status : statuses) {
            responses.putObject(status).put("description", "a problem document with the reason code").putObject("content")
                    .putObject("application/problem+json").putObject("schema").put("$ref", "#/components/schemas/Problem");
        }
    }

    /** A record's JSON schema: its fields by Avro name, required when they have no default and are not nullable. */
    static ObjectNode schema(Schema record) {
        ObjectNode node = Answer.JSON.createObjectNode();
        node.put("type", "object").put("additionalProperties", false);
        if (record.getDoc() != null) {
            node.put("description", record.getDoc().trim());
        }
        ObjectNode properties = node.putObject("properties");
        ArrayNode required = node.putArray("required");
        for (Schema.Field field : record.getFields()) {
            ObjectNode type = type(field.schema());
            if (field.doc() != null) {
                type.put("description", field.doc().trim());
            }
            if (field.hasDefaultValue() && field.defaultVal() != JsonProperties.NULL_VALUE) {
                type.set("default", Answer.JSON.valueToTree(field.defaultVal()));
            }
            properties.set(field.name(), type);
            if (!field.hasDefaultValue() && !Bodies.nullable(field.schema())) {
                required.add(field.name());
            }
        }
        return node;
    }

    private static ObjectNode type(Schema schema) {
        ObjectNode node = Answer.JSON.createObjectNode();
        switch (schema.getType()) {
            case UNION -> {
                List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
                if (branches.size() == 1) {
                    ObjectNode inner = type(branches.get(0));
                    if (Bodies.nullable(schema)) {
                        ArrayNode any = node.putArray("oneOf");
                        any.addObject().put("type", "null");
                        any.add(inner);
                        return node;
                    }
                    return inner;
                }
                ArrayNode any = node.putArray("oneOf");
                schema.getTypes().forEach(s -> any.add(type(s)));
            }
            case NULL -> node.put("type", "null");
            case STRING -> node.put("type", "string");
            case INT -> node.put("type", "integer").put("format", "int32");
            case LONG -> {
                if (schema.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    node.put("type", "string").put("format", "date-time");
                } else {
                    node.put("type", "integer").put("format", "int64");
                }
            }
            case FLOAT, DOUBLE -> node.put("type", "number");
            case BOOLEAN -> node.put("type", "boolean");
            case ENUM -> {
                node.put("type", "string");
                ArrayNode symbols = node.putArray("enum");
                schema.getEnumSymbols().forEach(symbols::add);
            }
            case ARRAY -> {
                node.put("type", "array");
                node.set("items", type(schema.getElementType()));
            }
            case MAP -> {
                node.put("type", "object");
                node.set("additionalProperties", type(schema.getValueType()));
            }
            case RECORD -> {
                ObjectNode record = schema(schema);
                record.remove("description");
                return record;
            }
            default -> node.put("type", "string");
        }
        return node;
    }
}
