package io.factnet.cli.history;

import io.factnet.cli.output.JsonLines;
import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.request.DurationConverter;
import io.factnet.cli.show.Table;
import io.factnet.model.Result;
import io.factnet.topics.RequestRoutes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet history}: a project's requests and results in the order the controller decided them, read from the
 * event topics (which keep them for their retention). Reads only.
 */
@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A project's requests and their results in the order the controller decided them, with the channel "
                + "each came by, read back from the event topics (kept for their retention, 7 days by default).",
                "Exit codes: 0 printed (possibly nothing); 1 errors."})
public final class HistoryCommand implements Callable<Integer> {

    @Option(names = "--project", required = true, description = "The project (\"_admin\" for the operators' pool-wide requests).")
    String project;

    @Option(names = "--since", paramLabel = "MOMENT", defaultValue = "P7D", converter = MomentConverter.class,
            description = "From this moment: an instant (2026-12-04T03:12:00Z) or a duration ago (90m, 2h). Default: 7 days ago.")
    Instant since;

    @Option(names = "--until", paramLabel = "MOMENT", converter = MomentConverter.class,
            description = "Up to this moment (same forms). Default: now.")
    Instant until;

    @Option(names = "--json", description = "One JSON object per request on stdout.")
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
        if (until != null && until.isBefore(since)) {
            throw new IllegalArgumentException("--until is before --since");
        }
        ClientSettings settings = client.settings();
        BrokerProbe.requireReachable(settings.bootstrapServers(), Duration.ofSeconds(5));
        List<ProjectHistory.Entry> entries;
        try (TopicWindow window = new TopicWindow(settings.kafkaWith(Map.of()), settings.registryClient(), timeout)) {
            entries = ProjectHistory.read(window, project, since, until == null ? Instant.now() : until);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            entries.forEach(entry -> JsonLines.println(out, object(entry)));
        } else {
            Table table = new Table("#", "SENT", "REQUEST", "COMMAND", "VIA", "BY", "RESULT", "MESSAGE");
            for (ProjectHistory.Entry entry : entries) {
                Result result = entry.result();
                table.row(entry.sequence() == null ? "" : entry.sequence(), entry.when().truncatedTo(ChronoUnit.MILLIS),
                        entry.requestId(), command(entry), via(entry), by(entry) == null ? "" : by(entry).getSubject() + " @" + by(entry).getGateway(),
                        result == null ? (entry.unreadable() != null ? "UNREADABLE" : "PENDING")
                                : result.getStatus() + (result.getReason().name().equals("OK") ? "" : " " + result.getReason()),
                        result != null ? result.getMessage() : entry.unreadable());
            }
            if (table.isEmpty()) {
                out.printf("no requests of project %s between %s and %s%n", io.factnet.text.SafeText.field(project), since,
                        until == null ? "now" : until);
            } else {
                table.print(out);
            }
        }
        out.flush();
        return 0;
    }

    private static String command(ProjectHistory.Entry entry) {
        return entry.request() != null ? RequestRoutes.commandName(entry.request())
                : entry.result() != null ? entry.result().getCommand() : "";
    }

    /** Who asked, as the gateway wrote it into the envelope (null: sent to Kafka directly, by a trusted client). */
    private static io.factnet.model.Requester by(ProjectHistory.Entry entry) {
        if (entry.request() != null && entry.request().getRequestedBy() != null) {
            return entry.request().getRequestedBy();
        }
        return entry.result() != null ? entry.result().getRequestedBy() : null;
    }

    private static String via(ProjectHistory.Entry entry) {
        return entry.via() == null ? "" : entry.sends() > 1 ? entry.via() + " x" + entry.sends() : entry.via();
    }

    static Map<String, Object> object(ProjectHistory.Entry entry) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("sequence", entry.sequence());
        object.put("requestId", entry.requestId());
        object.put("command", command(entry));
        object.put("via", entry.via());
        object.put("sends", entry.sends());
        object.put("sent", entry.sent() == null ? null : entry.sent().toString());
        io.factnet.model.Requester by = by(entry);
        object.put("requestedBy", by == null ? null : Map.of("subject", by.getSubject(), "gateway", by.getGateway()));
        if (entry.request() != null) {
            object.put("submittedAt", entry.request().getSubmittedAt().toString());
        }
        Result result = entry.result();
        if (result != null) {
            object.put("status", result.getStatus().name());
            object.put("reason", result.getReason().name());
            object.put("message", result.getMessage());
            object.put("completedAt", result.getCompletedAt().toString());
        }
        if (entry.unreadable() != null) {
            object.put("unreadable", entry.unreadable());
        }
        return object;
    }
}
