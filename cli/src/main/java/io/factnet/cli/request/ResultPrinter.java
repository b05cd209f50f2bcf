package io.factnet.cli.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.client.Applied;
import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.Request;
import io.factnet.model.Result;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Prints what came of a request: a short human summary by default, or with {@code --json} one JSON
 * object per result on stdout (requestId, status, reason, message, the allocation's fields flattened,
 * touched nodes, and with --wait-applied what each node applied). A rejection's reason also goes to stderr.
 */
final class ResultPrinter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;

    ResultPrinter(PrintWriter out, PrintWriter err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    void submitted(Request request, RecordMetadata sent) {
        String command = commandName(request);
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("requestId", request.getRequestId());
            object.put("project", request.getProject());
            object.put("command", command);
            object.put("topic", sent.topic());
            object.put("partition", sent.partition());
            object.put("offset", sent.offset());
            print(object);
        } else {
            out.printf("submitted %s %s for project %s to %s-%d@%d%n", command, request.getRequestId(),
                    request.getProject(), sent.topic(), sent.partition(), sent.offset());
        }
        out.flush();
    }

    void accepted(Result result, List<Applied> applied) {
        if (json) {
            Map<String, Object> object = resultObject(result);
            if (applied != null) {
                object.put("applied", applied.stream().map(ResultPrinter::appliedObject).toList());
            }
            print(object);
        } else {
            out.printf("%s %s %s (project %s): %s%n", result.getStatus(), result.getCommand(), result.getRequestId(),
                    result.getProject(), result.getMessage());
            allocationFields(result.getAllocated()).forEach((name, value) -> out.printf("  %-10s %s%n", name, value));
            for (NodeRef node : result.getTouched()) {
                out.printf("  %-10s %s %s%n", "touched", node.getNodeId(), node.getRole());
            }
            if (applied != null) {
                for (Applied a : applied) {
                    out.printf("  %-10s %s %s (%s-%d@%d, acked up to %d, apply took %d ms)%n", "applied", a.nodeId(), a.role(),
                            a.topic(), a.partition(), a.offset(), a.appliedOffset(), a.applyMillis());
                }
            }
        }
        out.flush();
    }

    void rejected(Result result) {
        if (json) {
            print(resultObject(result));
            out.flush();
        }
        err.printf("%s %s %s (project %s): %s: %s%n", result.getStatus(), result.getCommand(), result.getRequestId(),
                result.getProject(), result.getReason(), result.getMessage());
        err.flush();
    }

    void warn(String message) {
        err.println("factnet: " + message);
        err.flush();
    }

    static Map<String, Object> resultObject(Result result) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("requestId", result.getRequestId());
        object.put("status", result.getStatus().name());
        object.put("reason", result.getReason().name());
        object.put("message", result.getMessage());
        object.put("command", result.getCommand());
        object.put("project", result.getProject());
        object.put("completedAt", result.getCompletedAt().toString());
        object.putAll(allocationFields(result.getAllocated()));
        object.put("touched", result.getTouched().stream()
                .map(n -> Map.of("nodeId", n.getNodeId(), "role", n.getRole().name())).toList());
        return object;
    }

    /** The allocation's set fields, by name: new fields of Allocation show up with no change here. */
    static Map<String, Object> allocationFields(Allocation allocation) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (allocation != null) {
            for (Schema.Field field : allocation.getSchema().getFields()) {
                Object value = allocation.get(field.pos());
                if (value != null) {
                    fields.put(field.name(), value instanceof CharSequence ? value.toString() : value);
                }
            }
        }
        return fields;
    }

    private static Map<String, Object> appliedObject(Applied a) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("nodeId", a.nodeId());
        object.put("role", a.role());
        object.put("topic", a.topic());
        object.put("partition", a.partition());
        object.put("offset", a.offset());
        object.put("appliedOffset", a.appliedOffset());
        object.put("applyMillis", a.applyMillis());
        if (a.publicKey() != null) {
            object.put("publicKey", a.publicKey());
        }
        return object;
    }

    private static String commandName(Request request) {
        return ((SpecificRecord) request.getCommand()).getSchema().getName();
    }

    private void print(Map<String, Object> object) {
        try {
            out.println(JSON.writeValueAsString(object));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
