package io.factnet.cli.history;

import io.factnet.cli.output.JsonLines;
import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.request.DurationConverter;
import io.factnet.cli.show.Table;
import io.factnet.model.Result;
import io.factnet.text.SafeText;
import io.factnet.topics.RequestRoutes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code factnet why}: the facts that name a thing, the requests that made them so, and which nodes applied them when. */
@Command(name = "why", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Why a fact is as it is: the facts naming THING (an address, an instance, a rule id, a group, a node "
                + "entry's resource), the requests of its project that named it or last changed its node entries (with their "
                + "results), and each node entry about it with the time it was written and the time its node acknowledged it. "
                + "Read from the topics, never from a node.",
                "Exit codes: 0 printed; 1 errors (nothing names THING, or several projects do: give --project)."})
public final class WhyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "THING", description = "An address (203.0.113.4), an instance, a rule id, a group name, a resource.")
    String thing;

    @Option(names = "--project", description = "The project, when the facts do not say (several name THING, or none does any more).")
    String project;

    @Option(names = "--json", description = "One JSON object on stdout.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "<duration>", defaultValue = "60s", converter = DurationConverter.class,
            description = "Give up when the topics are not read to their end within this time. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClientSettings settings = client.settings();
        BrokerProbe.requireReachable(settings.bootstrapServers(), Duration.ofSeconds(5));
        FactTrail.Trail trail;
        try (TopicWindow window = new TopicWindow(settings.kafkaWith(Map.of()), settings.registryClient(), timeout)) {
            trail = FactTrail.of(window, thing.strip(), project == null ? null : project.strip());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            JsonLines.println(out, object(trail));
        } else {
            print(out, trail);
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, FactTrail.Trail trail) {
        out.printf("%s in project %s%n", SafeText.field(trail.thing()), SafeText.field(trail.project()));
        out.println();
        out.println("facts");
        if (trail.facts().isEmpty()) {
            out.println("  none names it now (released or deleted)");
        }
        trail.facts().forEach(fact -> out.printf("  %s %s: %s%n", fact.topic(), SafeText.field(fact.key()), SafeText.line(fact.value().toString())));
        out.println();
        out.println("requests");
        Table requests = new Table("  #", "SENT", "REQUEST", "COMMAND", "RESULT", "MESSAGE");
        for (ProjectHistory.Entry entry : trail.requests()) {
            Result result = entry.result();
            requests.row("  " + (entry.sequence() == null ? "" : entry.sequence()), entry.when().truncatedTo(ChronoUnit.MILLIS),
                    entry.requestId(), entry.request() != null ? RequestRoutes.commandName(entry.request()) : result.getCommand(),
                    result == null ? "PENDING" : result.getStatus().name(), result == null ? "" : result.getMessage());
        }
        if (requests.isEmpty()) {
            out.println("  none in the event topics' retention");
        } else {
            requests.print(out);
        }
        out.println();
        out.println("nodes");
        Table nodes = new Table("  NODE", "ROLE", "RESOURCE", "WRITTEN", "BY REQUEST", "APPLIED");
        for (FactTrail.NodeEntry entry : trail.nodes()) {
            nodes.row("  " + entry.nodeId(), entry.role().name().toLowerCase(Locale.ROOT), entry.resource(),
                    entry.written().truncatedTo(ChronoUnit.MILLIS), entry.requestId(),
                    entry.appliedAt() != null ? entry.appliedAt().truncatedTo(ChronoUnit.MILLIS).toString()
                            : entry.ackError() != null ? "not applied: " + entry.ackError() : "not acknowledged yet");
        }
        if (nodes.isEmpty()) {
            out.println("  no node entry is about it");
        } else {
            nodes.print(out);
        }
    }

    private static Map<String, Object> object(FactTrail.Trail trail) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("thing", trail.thing());
        object.put("project", trail.project());
        object.put("facts", trail.facts().stream().map(fact -> Map.of("topic", fact.topic(), "key", fact.key(),
                "value", fact.value().toString())).toList());
        object.put("requests", trail.requests().stream().map(HistoryCommand::object).toList());
        object.put("nodes", trail.nodes().stream().map(entry -> {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("nodeId", entry.nodeId());
            node.put("role", entry.role().name());
            node.put("resource", entry.resource());
            node.put("partition", entry.partition());
            node.put("offset", entry.offset());
            node.put("written", entry.written().toString());
            node.put("requestId", entry.requestId());
            node.put("appliedAt", entry.appliedAt() == null ? null : entry.appliedAt().toString());
            node.put("ackError", entry.ackError());
            return node;
        }).toList());
        return object;
    }
}
