package io.factnet.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text exposition format 0.0.4, written from the format's rules
 * (prometheus.io/docs/instrumenting/exposition_formats): lines end with '\n'; {@code # HELP name text} and
 * {@code # TYPE name type} at most once per family, TYPE before the family's first sample; a family's
 * lines form one group; a sample is {@code name[{label="value",...}] value [timestamp]} with the format's
 * name grammar, label value escapes ({@code \\ \" \n}), Go-style floats ({@code NaN +Inf -Inf}) and each
 * name and label set once; counters' samples carry the family's name, histograms' and summaries' their
 * suffixes. Anything else throws {@link IllegalArgumentException} naming the line. The controller's and the
 * agents' tests read {@code /metrics} with it (a test-jar, like {@link Slowloris}).
 */
public final class PrometheusTextReader {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(Inf|NaN|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");
    private static final Pattern TIMESTAMP = Pattern.compile("-?\\d+");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its name, its labels by name, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One family: its TYPE (untyped without a TYPE line), its HELP (null without one), its samples in order. */
    public record Family(String name, String type, String help, List<Sample> samples) {
        /** The label names of the family's samples (every sample's). */
        public Set<String> labelNames() {
            Set<String> names = new TreeSet<>();
            samples.forEach(sample -> names.addAll(sample.labels().keySet()));
            return names;
        }

        /** The value of the sample with exactly these labels, or null. */
        public Double value(Map<String, String> labels) {
            return samples.stream().filter(s -> s.labels().equals(labels)).map(Sample::value).findFirst().orElse(null);
        }
    }

    private PrometheusTextReader() {
    }

    /** The families of a scrape by name, in the order they came. */
    public static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the last line does not end with \\n");
        }
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>(); // families whose group ended
        Set<String> seen = new HashSet<>(); // name and labels of every sample
        String current = null;
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                String family;
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length < 3 || !parts[0].equals("#") || !(parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                        continue; // a plain comment
                    }
                    family = parts[2];
                    name(METRIC_NAME, family);
                    if (samples.containsKey(family) && !samples.get(family).isEmpty() && parts[1].equals("TYPE")) {
                        throw new IllegalArgumentException("TYPE after the family's first sample");
                    }
                    if (parts[1].equals("TYPE")) {
                        String type = parts.length == 4 ? parts[3] : "";
                        if (!TYPES.contains(type)) {
                            throw new IllegalArgumentException("unknown type '" + type + "'");
                        }
                        if (types.putIfAbsent(family, type) != null) {
                            throw new IllegalArgumentException("a second TYPE for " + family);
                        }
                    } else if (helps.putIfAbsent(family, parts.length == 4 ? help(parts[3]) : "") != null) {
                        throw new IllegalArgumentException("a second HELP for " + family);
                    }
                    samples.computeIfAbsent(family, f -> new ArrayList<>());
                } else {
                    Sample sample = sample(line);
                    family = family(sample.name(), types);
                    if (!seen.add(sample.name() + new TreeMap<>(sample.labels()))) {
                        throw new IllegalArgumentException("a second sample with this name and these labels");
                    }
                    samples.computeIfAbsent(family, f -> new ArrayList<>()).add(sample);
                }
                if (!family.equals(current)) {
                    if (closed.contains(family)) {
                        throw new IllegalArgumentException("the lines of " + family + " are not one group");
                    }
                    if (current != null) {
                        closed.add(current);
                    }
                    current = family;
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + number + " '" + line + "': " + e.getMessage(), e);
            }
        }
        Map<String, Family> families = new LinkedHashMap<>();
        samples.forEach((name, list) -> families.put(name, new Family(name, types.getOrDefault(name, "untyped"), helps.get(name),
                Collections.unmodifiableList(list))));
        return families;
    }

    /** Every sample by {@code name{labels}} (labels sorted by name, values as written), for tests that compare sums. */
    public static Map<String, Double> samples(String text) {
        Map<String, Double> all = new LinkedHashMap<>();
        parse(text).values().forEach(family -> family.samples().forEach(sample -> {
            StringBuilder key = new StringBuilder(sample.name());
            if (!sample.labels().isEmpty()) {
                key.append('{');
                new TreeMap<>(sample.labels()).forEach((name, value) -> key.append(key.length() > sample.name().length() + 1 ? "," : "")
                        .append(name).append("=\"").append(value).append('"'));
                key.append('}');
            }
            all.put(key.toString(), sample.value());
        }));
        return all;
    }

    /** The family a sample belongs to: a histogram's or summary's for their suffixes, else its own name. */
    private static String family(String sample, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return sample;
    }

    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') {
            at++;
        }
        String name = name(METRIC_NAME, line.substring(0, at));
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                int eq = line.indexOf('=', at);
                if (eq < 0) {
                    throw new IllegalArgumentException("a label without '='");
                }
                String label = name(LABEL_NAME, line.substring(at, eq));
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label " + label + " has no quoted value");
                }
                StringBuilder value = new StringBuilder();
                at = eq + 2;
                while (true) {
                    char c = charAt(line, at++);
                    if (c == '"') {
                        break;
                    } else if (c == '\\') {
                        char escaped = charAt(line, at++);
                        value.append(switch (escaped) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("escape \\" + escaped + " in a label value");
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                if (charAt(line, at) == ',') {
                    at++;
                } else if (charAt(line, at) != '}') {
                    throw new IllegalArgumentException("',' or '}' expected after label " + label);
                }
            }
            at++;
        }
        if (charAt(line, at) != ' ') {
            throw new IllegalArgumentException("a space expected before the value");
        }
        String[] rest = line.substring(at + 1).split(" ", -1);
        if (rest.length > 2 || !FLOAT.matcher(rest[0]).matches() || (rest.length == 2 && !TIMESTAMP.matcher(rest[1]).matches())) {
            throw new IllegalArgumentException("a value (and a timestamp) expected, not '" + line.substring(at + 1) + "'");
        }
        String value = rest[0].replace("Inf", "Infinity");
        return new Sample(name, Collections.unmodifiableMap(labels), Double.parseDouble(value));
    }

    private static char charAt(String line, int at) {
        if (at >= line.length()) {
            throw new IllegalArgumentException("the line ends too early");
        }
        return line.charAt(at);
    }

    private static String name(Pattern grammar, String name) {
        if (!grammar.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid name");
        }
        return name;
    }

    /** A HELP text: only \\ and \n are escapes there. */
    private static String help(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && (text.charAt(i + 1) == '\\' || text.charAt(i + 1) == 'n')) {
                out.append(text.charAt(++i) == 'n' ? '\n' : '\\');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
