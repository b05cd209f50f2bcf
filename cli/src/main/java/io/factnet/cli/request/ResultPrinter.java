package io.factnet.cli.request;

import io.factnet.cli.output.JsonLines;
import io.factnet.client.Applied;
import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.text.SafeText;
import io.factnet.topics.RequestRoutes;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Prints what came of a request: a short human summary by default, or with {@code --json} one JSON
 * object per result on stdout (requestId, status, reason, message, the allocation's fields flattened,
 * touched nodes, and with --wait-applied what each node applied). A rejection's reason also goes to stderr.
 * The human lines show each value escaped and cut ({@link SafeText#field}): a request id, a project or a
 * message may hold what a terminal would run. JSON keeps the values whole ({@link JsonLines}).
 */
final class ResultPrinter {
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;

    ResultPrinter(PrintWriter out, PrintWriter err, boolean json) {
        this.out = out;
        this.err = err;
        this.json = json;
    }

    void submitted(Request request, RecordMetadata sent) {
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("topic", sent.topic());
        where.put("partition", sent.partition());
        where.put("offset", sent.offset());
        submitted(request, where, "to " + sent.topic() + "-" + sent.partition() + "@" + sent.offset());
    }

    /** Sent through a gateway without waiting: where its result will be. */
    void submittedThroughGateway(Request request, String pollUrl) {
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("href", pollUrl);
        submitted(request, where, "; its result: " + SafeText.field(pollUrl));
    }

    /** {@code submitted <command> <id> for project <p> <where>}, or its JSON object with the members of {@code where}. */
    private void submitted(Request request, Map<String, Object> where, String whereText) {
        String command = RequestRoutes.commandName(request);
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("requestId", request.getRequestId());
            object.put("project", request.getProject());
            object.put("command", command);
            object.putAll(where);
            print(object);
        } else {
            out.printf("submitted %s %s for project %s%s%s%n", command, SafeText.field(request.getRequestId()),
                    SafeText.field(request.getProject()), whereText.startsWith(";") ? "" : " ", whereText);
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
            out.printf("%s %s%n", headline(result), SafeText.line(String.valueOf(result.getMessage())));
            allocationFields(result.getAllocated()).forEach((name, value) -> out.printf("  %-10s %s%n", name, SafeText.field(value)));
            for (NodeRef node : result.getTouched()) {
                out.printf("  %-10s %s %s%n", "touched", SafeText.field(node.getNodeId()), node.getRole());
            }
            if (result.getRequestedBy() != null) {
                out.printf("  %-10s %s via %s%n", "asked by", SafeText.field(result.getRequestedBy().getSubject()),
                        SafeText.field(result.getRequestedBy().getGateway()));
            }
            if (applied != null) {
                for (Applied a : applied) {
                    out.printf("  %-10s %s %s (%s-%d@%d, acked up to %d, apply took %d ms)%n", "applied", SafeText.field(a.nodeId()), a.role(),
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
        err.printf("%s %s: %s%n", headline(result), result.getReason(), SafeText.line(String.valueOf(result.getMessage())));
        err.flush();
    }

    void warn(String message) {
        err.println("factnet: " + SafeText.line(message));
        err.flush();
    }

    /** {@code ACCEPTED AllocateFloatingIp <request id> (project <project>):}, each value escaped and cut. */
    private static String headline(Result result) {
        return result.getStatus() + " " + SafeText.field(result.getCommand()) + " " + SafeText.field(result.getRequestId())
                + " (project " + SafeText.field(result.getProject()) + "):";
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
        if (result.getRequestedBy() != null) {
            // who asked, when the request came through the API gateway (ADR 0029)
            object.put("requestedBy", Map.of("subject", result.getRequestedBy().getSubject(),
                    "gateway", result.getRequestedBy().getGateway()));
        }
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

    private void print(Map<String, Object> object) {
        JsonLines.println(out, object);
    }
}
