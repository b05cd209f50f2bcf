package io.factnet.reliability.corpus;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.factnet.model.Reason;
import io.factnet.topics.RequestRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bad-input corpus: the setup it needs, its entries (from the YAML file, and the generated hostile
 * strings family), and the constants its placeholders may name. Loading checks it: unique names, known
 * commands, fields and reasons, and every ${ref:...} defined by a constant or learned in an earlier step.
 */
public record Corpus(Map<String, String> constants, List<SetupStep> setup, List<CorpusEntry> entries) {

    /** The corpus in the test resources. */
    public static final String RESOURCE = "/corpus/bad-input.yaml";

    record FileForm(Map<String, String> constants, List<StepForm> setup, Map<String, List<EntryForm>> entries,
                    List<TemplateForm> bases) {
        FileForm {
            constants = constants == null ? Map.of() : constants;
            setup = setup == null ? List.of() : setup;
            entries = entries == null ? Map.of() : entries;
            bases = bases == null ? List.of() : bases;
        }
    }

    record TemplateForm(String project, String command, Map<String, Object> fields, String route) {
    }

    record StepForm(String name, String project, String command, Map<String, Object> fields, ExpectForm expect,
                    Map<String, String> learn) {
    }

    /** {@code requestId}: only where the id itself is the bad input (else the entry's name makes it). */
    record EntryForm(String name, String raw, String route, String project, String command, Map<String, Object> fields,
                     String reuseIdOf, String requestId, ExpectForm expect) {
    }

    record ExpectForm(Boolean accepted, String rejected, String deadLetter, Boolean firstResultAgain) {
        Expectation toExpectation(String where) {
            int given = (accepted != null ? 1 : 0) + (rejected != null ? 1 : 0) + (deadLetter != null ? 1 : 0)
                    + (firstResultAgain != null ? 1 : 0);
            if (given != 1) {
                throw new IllegalArgumentException(where + ": expect exactly one of accepted, rejected, deadLetter, firstResultAgain");
            }
            if (rejected != null) {
                return Expectation.rejected(Reason.valueOf(rejected));
            }
            if (deadLetter != null) {
                return Expectation.deadLetter(deadLetter);
            }
            return firstResultAgain != null ? Expectation.FIRST_RESULT_AGAIN : Expectation.ACCEPTED;
        }
    }

    public static Corpus fromResource() {
        try (InputStream in = Corpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path (it is in reliability's test resources)");
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Corpus read(InputStream yaml) throws IOException {
        FileForm file = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(yaml, FileForm.class);
        Set<String> known = new HashSet<>(file.constants().keySet());
        List<SetupStep> setup = new ArrayList<>();
        for (StepForm step : file.setup()) {
            CommandTemplate request = new CommandTemplate(step.project(), step.command(), step.fields(), null);
            requireRefs(step.name(), request, known);
            setup.add(new SetupStep(step.name(), request,
                    step.expect() == null ? Expectation.ACCEPTED : step.expect().toExpectation(step.name()),
                    step.learn() == null ? Map.of() : step.learn()));
            if (step.learn() != null) {
                known.addAll(step.learn().keySet());
            }
        }
        Set<String> stepNames = new HashSet<>();
        setup.forEach(s -> stepNames.add(s.name()));
        List<CorpusEntry> entries = new ArrayList<>();
        file.entries().forEach((family, forms) -> forms.forEach(form -> entries.add(entry(family, form, known, stepNames))));
        List<CommandTemplate> bases = file.bases().stream()
                .map(b -> new CommandTemplate(b.project(), b.command(), b.fields(), route(b.route()))).toList();
        bases.forEach(base -> requireRefs("a base of " + base.command(), base, known));
        entries.addAll(HostileStrings.entries(bases));
        Set<String> names = new HashSet<>(stepNames);
        for (CorpusEntry entry : entries) {
            if (!names.add(entry.name())) {
                throw new IllegalArgumentException("corpus name used twice: " + entry.name());
            }
        }
        return new Corpus(new LinkedHashMap<>(file.constants()), List.copyOf(setup), List.copyOf(entries));
    }

    private static CorpusEntry entry(String family, EntryForm form, Set<String> known, Set<String> stepNames) {
        String where = "entry " + form.name();
        if (form.expect() == null) {
            throw new IllegalArgumentException(where + " has no expect");
        }
        Expectation expect = form.expect().toExpectation(where);
        if (form.reuseIdOf() != null && !stepNames.contains(form.reuseIdOf())) {
            throw new IllegalArgumentException(where + ": reuseIdOf names no setup step: " + form.reuseIdOf());
        }
        if ((form.reuseIdOf() != null) != (expect.kind() == Expectation.Kind.FIRST_RESULT_AGAIN)) {
            throw new IllegalArgumentException(where + ": a reused id expects the first result again, and only it");
        }
        if (form.raw() != null) {
            if (expect.kind() != Expectation.Kind.DEAD_LETTER || form.command() != null) {
                throw new IllegalArgumentException(where + ": a raw record has no command and expects a dead letter");
            }
            CommandTemplate base = new CommandTemplate(form.project(), "CreateSecurityGroup", Map.of("name", "raw-base"),
                    route(form.route()));
            return new CorpusEntry(form.name(), family, base, RawKind.of(form.raw()), null, null, expect);
        }
        CommandTemplate request = new CommandTemplate(form.project(), form.command(), form.fields(), route(form.route()));
        requireRefs(where, request, known);
        if (form.requestId() != null && form.reuseIdOf() != null) {
            throw new IllegalArgumentException(where + ": a request id of its own or a reused one, not both");
        }
        return new CorpusEntry(form.name(), family, request, null, form.requestId(), form.reuseIdOf(), expect);
    }

    private static RequestRoutes.Scope route(String name) {
        return name == null ? null : RequestRoutes.Scope.valueOf(name);
    }

    private static void requireRefs(String where, CommandTemplate template, Set<String> known) {
        for (Object value : template.fields().values()) {
            List<?> items = value instanceof List<?> list ? list : List.of(String.valueOf(value));
            for (Object item : items) {
                String ref = Values.refName(String.valueOf(item));
                if (ref != null && !known.contains(ref)) {
                    throw new IllegalArgumentException(where + " refers to ${ref:" + ref + "}, which no constant or earlier step defines");
                }
            }
        }
    }

    /** The entries of one family. */
    public List<CorpusEntry> family(String family) {
        return entries.stream().filter(e -> e.family().equals(family)).toList();
    }
}
