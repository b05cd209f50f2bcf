package io.factnet.cli.demo;

import io.factnet.client.NodeTarget;
import io.factnet.client.OutcomeTracker;
import io.factnet.cli.flow.RequestSender;
import io.factnet.client.Tracked;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Plays the {@link Scenario} against a running {@link DemoCloud} through the request path of
 * {@code factnet request} (RequestRoutes, the registry serde), waits for every result and then for
 * every node to apply every change (the rule of {@code --wait-applied}), and prints the story and
 * the summary. Any refusal is a bug of the demo or of factnet: it stops with the reason.
 */
public final class Demo {
    /** How long one step may take, results or applies; the whole demo takes seconds. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

    private final DemoCloud cloud;
    private final PrintWriter out;
    private final Story story;
    private final List<Tracked> everything = new ArrayList<>();

    private Demo(DemoCloud cloud, PrintWriter out) {
        this.cloud = cloud;
        this.out = out;
        this.story = new Story(out);
    }

    public static void play(DemoCloud cloud, PrintWriter out) throws Exception {
        new Demo(cloud, out).play();
    }

    private void play() throws Exception {
        Scenario scenario = new Scenario();
        SchemaRegistryClient registry = cloud.registryClient();
        Map<NodeTarget, AppliedAck> acks;
        try (OutcomeTracker tracker = new OutcomeTracker(cloud.kafkaClient(), registry, EnumSet.allOf(NodeRole.class));
             RequestSender sender = new RequestSender(cloud.kafkaClient(), registry, true, Map.of())) {
            long began = System.nanoTime();
            story.step("1. The operator defines the pools and registers the nodes: a network host, a VPN node, two compute hosts (factnet.admin-requests)");
            List<Request> pools = scenario.pools();
            story.results(pools, send(tracker, sender, pools));
            cloud.startNodes();
            story.line("node agents started, render driver: " + Scenario.NODES.stream()
                    .map(n -> n.nodeId() + " " + n.roles().stream().map(r -> r.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining("+"))).collect(Collectors.joining(", ")));

            story.step("2. Three projects build their networks, groups, rules, instances and a VPN (factnet.requests)");
            List<Request> projects = scenario.projects();
            Map<String, Result> projectResults = send(tracker, sender, projects);
            story.results(projects, projectResults);

            story.step("3. Each project associates its floating IPs with instances");
            List<Request> associations = scenario.associations(floatingAddresses(projects, projectResults));
            story.results(associations, send(tracker, sender, associations));
            long resultsDone = System.nanoTime();

            story.step("4. Waiting until every node applied every change (its records acked: the rule of --wait-applied)");
            await(everything.stream().map(Tracked::applied).toList(), "applied");
            long appliedDone = System.nanoTime();
            acks = tracker.lastAcks();
            Path ruleset = cloud.writeKernelRuleset();
            story.line(String.format("%d requests, all ACCEPTED, answered within %.1f s; applied on every node %.1f s after the"
                            + " last result", everything.size(), seconds(resultsDone - began), seconds(appliedDone - resultsDone)));
            story.line("the routing node's kernel ruleset, as `nft list ruleset` shows it: " + ruleset);
        }
        story.step("Summary, read back from the state topics (factnet.state.*)");
        DemoSummary.read(new FactReader(cloud.kafkaClient(), registry)).printProjects(out);
        story.step("What each node applied (its last AppliedAck on factnet.node-events) and its files");
        DemoSummary.printNodes(out, cloud, acks);
        story.step("The controller's HTTP API (what factnet show reads)");
        story.line("GET " + cloud.controllerUrl() + "/v1/projects: " + projectsFromApi());
        out.flush();
    }

    /** The projects and their fixed IPs as the controller's HTTP API lists them: the same state, through its stores. */
    private String projectsFromApi() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(cloud.controllerUrl() + "/v1/projects")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the controller's HTTP API answered " + response.statusCode() + ": " + response.body());
        }
        List<String> projects = new ArrayList<>();
        for (JsonNode project : new ObjectMapper().readTree(response.body()).path("projects")) {
            String name = project.path("project").asText();
            if (!name.equals(RequestRoutes.ADMIN_PROJECT)) { // the pool-wide admin requests' own queue, not a tenant
                projects.add(name + " (" + project.path("usage").path("fixedIps").asInt() + " fixed IPs)");
            }
        }
        return String.join(", ", projects);
    }

    /** Sends the requests in order, waits for all their results, and stops at the first refusal. */
    private Map<String, Result> send(OutcomeTracker tracker, RequestSender sender, List<Request> requests) throws Exception {
        List<Tracked> step = new ArrayList<>();
        long began = System.nanoTime();
        for (Request request : requests) {
            step.add(tracker.track(request.getRequestId(), System.nanoTime()));
            sender.send(request);
        }
        sender.flush();
        everything.addAll(step);
        await(step.stream().map(Tracked::result).toList(), "results");
        story.line(String.format("%d requests, %d results in %.1f s:", requests.size(), step.size(), seconds(System.nanoTime() - began)));
        Map<String, Request> byId = requests.stream().collect(Collectors.toMap(Request::getRequestId, Function.identity()));
        Map<String, Result> results = new LinkedHashMap<>();
        for (Tracked tracked : step) {
            Result result = tracked.result().join();
            if (result.getStatus() != Status.ACCEPTED) {
                Request request = byId.get(result.getRequestId());
                throw new IllegalStateException("request " + result.getRequestId() + " (" + request.getProject() + " "
                        + Story.command(request) + " " + Story.fields((org.apache.avro.specific.SpecificRecord) request.getCommand())
                        + ") was REJECTED: " + result.getReason() + ": " + result.getMessage()
                        + " (a refusal in the demo's scenario is a bug)");
            }
            results.put(result.getRequestId(), result);
        }
        return results;
    }

    /** Waits for all, watching the node agents meanwhile; a timeout names what is still missing. */
    private void await(List<? extends CompletableFuture<?>> futures, String what) throws Exception {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (true) {
            try {
                all.get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                if (cloud.crash().isPresent()) {
                    throw new IllegalStateException("a node agent stopped: " + cloud.crash().get().getMessage(), cloud.crash().get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no " + what + " within " + STEP_TIMEOUT.toSeconds() + " s: " + pending());
                }
            }
        }
    }

    private String pending() {
        return everything.stream().filter(t -> !t.applied().isDone()).limit(5)
                .map(t -> t.requestId() + " waits for " + t.waitingFor()).collect(Collectors.joining("; "));
    }

    /** Per project, the floating addresses its allocations returned, in the order they were asked for. */
    private static Map<String, List<String>> floatingAddresses(List<Request> requests, Map<String, Result> results) {
        Map<String, List<String>> floating = new LinkedHashMap<>();
        for (Request request : requests) {
            if (request.getCommand() instanceof AllocateFloatingIp) {
                floating.computeIfAbsent(request.getProject(), p -> new ArrayList<>())
                        .add(results.get(request.getRequestId()).getAllocated().getAddress());
            }
        }
        return floating;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
