package io.factnet.cli.demo;

import io.factnet.cli.client.Names;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The demo's output while it plays: one line per request and its result, in the order sent
 * (fixed IPs, the bulk, one line per project and group), so the run reads as what happened.
 */
final class Story {
    private final PrintWriter out;

    Story(PrintWriter out) {
        this.out = out;
    }

    void step(String title) {
        out.println();
        out.println(title);
        out.flush();
    }

    void line(String text) {
        out.println("  " + text);
        out.flush();
    }

    /** The requests of a step with their results (all of them ACCEPTED by now). */
    void results(List<Request> requests, Map<String, Result> results) {
        Map<String, List<Result>> fixedIps = new LinkedHashMap<>();
        for (Request request : requests) {
            Result result = results.get(request.getRequestId());
            if (request.getCommand() instanceof AllocateFixedIp fixed) {
                fixedIps.computeIfAbsent(request.getProject() + " " + fixed.getGroup(), k -> new ArrayList<>()).add(result);
                continue;
            }
            flushFixedIps(fixedIps);
            out.println(String.format("  %-8s %s %s", request.getProject(), command(request),
                    fields((SpecificRecord) request.getCommand())).stripTrailing());
            out.println(String.format("           -> %s %s", result.getStatus(), fields(result.getAllocated())).stripTrailing());
        }
        flushFixedIps(fixedIps);
        out.flush();
    }

    private void flushFixedIps(Map<String, List<Result>> fixedIps) {
        fixedIps.forEach((projectAndGroup, results) -> {
            String[] parts = projectAndGroup.split(" ");
            out.printf("  %-8s allocate-fixed-ip x%d in group %s%n           -> ACCEPTED %s .. %s (subnet %s)%n", parts[0],
                    results.size(), parts[1], results.get(0).getAllocated().getAddress(),
                    results.get(results.size() - 1).getAllocated().getAddress(), results.get(0).getAllocated().getCidr());
        });
        fixedIps.clear();
    }

    static String command(Request request) {
        return Names.kebab(((SpecificRecord) request.getCommand()).getSchema().getName());
    }

    /** The set fields of a record as {@code name=value}, in schema order ("" for none). */
    static String fields(SpecificRecord record) {
        if (record == null) {
            return "";
        }
        List<String> fields = new ArrayList<>();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value != null && !(value instanceof List<?> list && list.isEmpty()) && !"".equals(value.toString())) {
                String text = value instanceof List<?> list
                        ? list.stream().map(String::valueOf).collect(Collectors.joining(",")) : value.toString();
                fields.add(Names.kebab(field.name()) + "=" + (text.contains(" ") ? "\"" + text + "\"" : text));
            }
        }
        return String.join(" ", fields);
    }
}
