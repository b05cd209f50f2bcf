package io.factnet.cli.show;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.CliCapture;
import io.factnet.cli.Factnet;
import io.factnet.embedded.ApicurioRegistry;
import io.factnet.embedded.EmbeddedKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does: {@code factnet controller} runs as its own process (as in the image) against the
 * embedded broker and Apicurio; {@code factnet request} fills it; {@code factnet show} reads it back through
 * the controller's HTTP API (tables, --json lines, exit codes); SIGTERM stops the controller cleanly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerAndShowCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("HTTP API on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static ApicurioRegistry registry;
    static Process controller;
    static final LinkedBlockingQueue<String> controllerOut = new LinkedBlockingQueue<>();
    static String url;
    static JsonNode p1Network;
    static JsonNode p1Vm1;
    static JsonNode p1Floating;

    @BeforeAll
    static void startControllerAndFillIt() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        registry = ApicurioRegistry.start(dir.resolve("registry"));
        controller = new ProcessBuilder(javaCommand("controller", "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentUrl(), "--http-host", "127.0.0.1", "--http-port", "0",
                "--state-dir", dir.resolve("state").toString(), "--application-id", "show-test",
                "-X", "factnet.topics.partitions=2", "-X", "num.stream.threads=1"))
                .redirectErrorStream(true).start();
        Thread reader = new Thread(() -> readLines(controller), "controller-output");
        reader.setDaemon(true);
        reader.start();
        int port = Integer.parseInt(awaitLine(LISTENING, Duration.ofSeconds(60)).group(1));
        url = "http://127.0.0.1:" + port;
        awaitHealthy(Duration.ofSeconds(60));

        run("request", "define-vlan-range", "--first", "100", "--last", "199", "--wait");
        run("request", "define-supernet", "--cidr", "10.0.0.0/16", "--wait");
        run("request", "define-floating-pool", "--pool", "public", "--cidrs", "203.0.113.0/28", "--wait");
        run("request", "register-node", "--node-id", "n1", "--roles", "ROUTING,ADDRESSING,BRIDGING,TUNNELING",
                "--public-address", "192.0.2.1", "--wait");
        p1Network = run("request", "create-network", "--project", "p1", "--wait", "--json").json().get(0);
        run("request", "create-network", "--project", "p2", "--wait");
        run("request", "create-security-group", "--project", "p1", "--name", "web", "--wait");
        run("request", "add-rule", "--project", "p1", "--group", "web", "--protocol", "TCP", "--from-port", "80",
                "--to-port", "80", "--source-cidr", "0.0.0.0/0", "--wait");
        p1Vm1 = run("request", "allocate-fixed-ip", "--project", "p1", "--instance", "vm-1", "--group", "web", "--wait", "--json")
                .json().get(0);
        run("request", "allocate-fixed-ip", "--project", "p2", "--instance", "vm-9", "--wait");
        p1Floating = run("request", "allocate-floating-ip", "--project", "p1", "--pool", "public", "--wait", "--json").json().get(0);
        run("request", "associate-floating-ip", "--project", "p1", "--address", p1Floating.get("address").asText(),
                "--instance", "vm-1", "--wait");
        run("request", "create-vpn", "--project", "p1", "--wait");
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null && controller.isAlive()) {
            controller.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    // ------------------------------------------------------------------ factnet show

    @Test
    @Order(1)
    void networksAsATableAndAsJsonLines() throws Exception {
        Run table = show("networks");
        assertThat(table.exit()).as(table.err()).isZero();
        List<String> lines = table.lines();
        assertThat(lines.get(0)).startsWith("PROJECT").contains("VLAN", "CIDR", "GATEWAY", "BRIDGE", "ROUTING");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1).split(" +")).startsWith("p1", p1Network.get("vlan").asText(), p1Network.get("cidr").asText());
        assertThat(lines.get(2)).startsWith("p2 ");

        Run json = show("networks", "--json");
        assertThat(json.exit()).isZero();
        List<JsonNode> networks = json.json();
        assertThat(networks).hasSize(2);
        assertThat(networks.get(0).get("project").asText()).isEqualTo("p1");
        assertThat(networks.get(0).get("vlan").asInt()).isEqualTo(p1Network.get("vlan").asInt());
        assertThat(networks.get(0).get("bridge").asText()).isEqualTo("br" + p1Network.get("vlan").asText());
        assertThat(networks.get(1).get("project").asText()).isEqualTo("p2");
    }

    @Test
    @Order(2)
    void instancesAndFloatingIps() throws Exception {
        Run table = show("instances", "--project", "p1");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.lines()).hasSize(2);
        assertThat(table.lines().get(1).split(" +")).containsExactly("p1", "vm-1", "web", p1Vm1.get("address").asText(),
                p1Vm1.get("mac").asText(), "vm-1", "-", "no", "up", "-", p1Floating.get("address").asText()); // HOST "-": the network host

        // The network's bridging node (n1 here) reports vm-1 gone: the node event goes to factnet.node-events.
        run("request", "instance-gone", "--project", "p1", "--instance", "vm-1", "--node-id", "n1", "--wait");
        String[] down = show("instances", "--project", "p1").lines().get(1).split(" +");
        assertThat(down[8]).isEqualTo("down");
        assertThat(java.time.Instant.parse(down[9])).as("down since the report's time").isBefore(java.time.Instant.now().plusSeconds(1));
        JsonNode downJson = show("instances", "--project", "p1", "--json").json().get(0);
        assertThat(downJson.get("status").asText()).isEqualTo("DOWN");
        assertThat(java.time.Instant.ofEpochMilli(downJson.get("downSince").asLong()).toString()).isEqualTo(down[9]);
        run("request", "instance-back", "--project", "p1", "--instance", "vm-1", "--node-id", "n1", "--wait");
        assertThat(show("instances", "--project", "p1").lines().get(1).split(" +")[8]).isEqualTo("up");

        List<JsonNode> all = show("instances", "--json").json();
        assertThat(all).extracting(i -> i.get("project").asText() + "/" + i.get("instance").asText()).containsExactly("p1/vm-1", "p2/vm-9");

        List<JsonNode> floating = show("floating-ips", "--pool", "public", "--json").json();
        assertThat(floating).singleElement().satisfies(ip -> {
            assertThat(ip.get("address").asText()).isEqualTo(p1Floating.get("address").asText());
            assertThat(ip.get("fixedAddress").asText()).isEqualTo(p1Vm1.get("address").asText());
            assertThat(ip.get("instance").asText()).isEqualTo("vm-1");
        });
        Run none = show("floating-ips", "--project", "p2");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).isEqualTo("no floating-ips in project p2\n");
        assertThat(show("floating-ips", "--project", "p2", "--json").out()).isEmpty();
    }

    @Test
    @Order(3)
    void groupsVpnsNodesAndPools() throws Exception {
        List<String> groups = show("groups", "--project", "p1").lines();
        assertThat(groups).hasSize(3);
        assertThat(groups.get(2)).startsWith("p1 ").contains(" web ").endsWith("r1 tcp/80 from 0.0.0.0/0");

        JsonNode vpn = show("vpns", "--json").json().get(0);
        assertThat(vpn.get("project").asText()).isEqualTo("p1");
        assertThat(show("vpns").lines().get(1)).startsWith("p1 ").contains("n1", "192.0.2.1:" + vpn.get("port").asText());

        List<String> nodes = show("nodes").lines();
        assertThat(nodes.get(1)).startsWith("n1 ").contains("routing,addressing,bridging,tunneling", "192.0.2.1",
                "routing=2", "1 of 51820-52819");

        List<String> pools = show("pools").lines();
        assertThat(pools).hasSize(4);
        // p1's network came by the saga, which brought its task 4 network slots (ADR 0044); p2, in the same task of the
        // two, took one of them: 2 networks and 3 slots in stock, all given, so used
        assertThat(pools.get(1).split(" +")).containsExactly("vlan", "physnet1", "100-199", "100", "5");
        // one floating IP allocated, and the project's stock of 4 that came with it (ADR 0039): given, so used
        assertThat(pools.get(3).split(" +")).containsExactly("floating", "public", "203.0.113.0/28", "14", "5");
    }

    @Test
    @Order(4)
    void errorsAreOneLineAndExitOne() throws Exception {
        Run unknown = show("instances", "--project", "nope");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err()).isEqualTo("factnet: no project nope\n");

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Run unreachable = run("show", "networks", "--controller", "http://127.0.0.1:" + closed);
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).isEqualTo("factnet: no controller at http://127.0.0.1:" + closed + " (connection refused)\n");

        assertThat(show("things").exit()).isEqualTo(1);
        assertThat(show("things").err()).contains("cannot show \"things\"").doesNotContain("Exception");
        assertThat(show("nodes", "--project", "p1").err()).contains("--project does not apply to nodes");
        assertThat(show("instances", "--project", "p 1").err()).contains("--project must be");
        assertThat(run("show", "pools", "--controller", "ftp://x").err()).contains("is not a URL");
    }

    // ------------------------------------------------------------------ factnet controller

    @Test
    @Order(5)
    void theControllerProcessServesHealthAndStopsCleanlyOnSigterm() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("state").asText()).isEqualTo("RUNNING");

        // SIGTERM through the handle: Process.destroy() would also close the pipes, and the last lines with them
        assertThat(controller.toHandle().destroy()).isTrue();
        assertThat(controller.waitFor(40, TimeUnit.SECONDS)).as("stopped within 40 s").isTrue();
        assertThat(controller.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
        awaitLine(Pattern.compile("i.f.c.Controller - controller show-test stopped"), Duration.ofSeconds(5));
        awaitLine(Pattern.compile("^factnet controller show-test stopped$"), Duration.ofSeconds(5));
    }

    // ------------------------------------------------------------------ helpers

    record Run(int exit, String out, String err) {
        List<String> lines() {
            return List.of(out.split("\n"));
        }

        List<JsonNode> json() throws IOException {
            List<JsonNode> objects = new ArrayList<>();
            for (String line : out.split("\n")) {
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as(line).isTrue();
                objects.add(node);
            }
            return objects;
        }
    }

    static Run show(String... args) {
        List<String> all = new ArrayList<>(List.of("show"));
        all.addAll(List.of(args));
        all.addAll(List.of("--controller", url));
        return run(all.toArray(String[]::new));
    }

    static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (args[0].equals("request")) {
            all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.confluentUrl()));
        }
        CliCapture captured = CliCapture.run(all);
        Run run = new Run(captured.exit(), captured.out(), captured.err());
        if (args[0].equals("request")) {
            assertThat(run.exit()).as(String.join(" ", args) + ": " + run.err()).isZero();
        }
        return run;
    }

    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Factnet.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static void readLines(Process process) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                System.out.println("[controller] " + line);
                controllerOut.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    static Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = controllerOut.poll(100, TimeUnit.MILLISECONDS);
            Matcher matcher = line == null ? null : pattern.matcher(line);
            if (matcher != null && matcher.find()) {
                return matcher;
            }
        }
        throw new AssertionError("the controller printed no line matching " + pattern + " within " + timeout);
    }

    static void awaitHealthy(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (health.statusCode() == 200) {
                return;
            }
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(System.nanoTime()).as("healthy within " + timeout + ": " + health.body()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
