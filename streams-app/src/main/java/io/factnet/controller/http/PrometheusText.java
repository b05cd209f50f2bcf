package io.factnet.controller.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus' text exposition format (version 0.0.4): families with HELP and TYPE, each family's samples
 * together, names and label names reduced to {@code [a-zA-Z0-9_:]}, label values escaped.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** One metric family: its samples by label set (a repeated label set keeps its first value). */
    record Family(String type, String help, Map<String, Double> samples) {
        Family sample(Map<String, String> labels, double value) {
            samples.putIfAbsent(labels(labels), value);
            return this;
        }
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** The family of this name (declared with this type and help the first time); it is printed even without samples. */
    Family family(String name, String type, String help) {
        return families.computeIfAbsent(name(name), n -> new Family(type, help, new LinkedHashMap<>()));
    }

    String text() {
        StringBuilder out = new StringBuilder();
        families.forEach((name, family) -> {
            out.append("# HELP ").append(name).append(' ').append(escapeHelp(family.help())).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(family.type()).append('\n');
            family.samples().forEach((labels, value) -> out.append(name).append(labels).append(' ').append(format(value)).append('\n'));
        });
        return out.toString();
    }

    /** A metric or label name: other characters become '_', and a leading digit gets a '_' before it. */
    static String name(String raw) {
        String name = raw.replaceAll("[^a-zA-Z0-9_:]", "_");
        return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("{");
        new TreeMap<>(labels).forEach((key, value) -> {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(name(key).replace(':', '_')).append("=\"").append(escapeValue(value)).append('"');
        });
        return out.append('}').toString();
    }

    static String escapeValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        } else if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
