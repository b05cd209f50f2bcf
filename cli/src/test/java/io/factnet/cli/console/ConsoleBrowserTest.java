package io.factnet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.demo.Demo;
import io.factnet.cli.demo.DemoCloud;
import io.factnet.client.RequestClient;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.Request;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser (headless Chromium over the DevTools protocol) against the demo's parts: the
 * embedded broker, the registry, the controller and its nodes, with the demo's three projects played through them. Each
 * page is compared with what the API answers; requests sent meanwhile show up without a reload; data that looks like
 * markup stays text; the page breaks no rule of its Content-Security-Policy. Screenshots go to
 * target/console-screenshots/. Skipped when no Chromium is installed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    static final Duration WITHIN = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** A group description that would run script and add an element if the page parsed data as HTML. */
    static final String HOSTILE = "<img src=x onerror=\"window.__pwned=1\"><b id=\"injected\">bold</b> & 'quoted'";

    @TempDir
    static Path dir;
    static DemoCloud cloud;
    static HeadlessChromium browser;
    static String console;
    static long began;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> chromium = HeadlessChromium.binary();
        assumeTrue(chromium.isPresent(), "no Chromium (Debian: apt-get install chromium; or set FACTNET_CHROMIUM): "
                + "the console's browser test is skipped");
        began = System.nanoTime();
        cloud = DemoCloud.start(dir.resolve("demo"));
        Demo.play(cloud, new PrintWriter(Writer.nullWriter()));
        browser = HeadlessChromium.start(chromium.get(), Path.of("target", "console-chromium"), 1280, 900);
        console = cloud.controllerUrl() + "/console/";
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
                assertThat(browser.leftRunning()).as("browser processes left behind").isEmpty();
            }
        } finally {
            if (cloud != null) {
                cloud.close();
                System.out.printf("ConsoleBrowserTest: %.1f s with the demo's start%n", (System.nanoTime() - began) / 1e9);
            }
        }
    }

    @Test
    @Order(1)
    void theCloudAtAGlanceShowsTheProjectsPoolsAndNodesTheApiHas() throws Exception {
        show("#/", "overview");
        eventually("the projects as the API lists them", () -> {
            Map<String, String> expected = new LinkedHashMap<>();
            for (JsonNode project : api("/v1/projects?limit=1000").get("projects")) {
                if (!project.get("project").asText().equals("_admin")) {
                    expected.put(project.get("project").asText(), project.get("network").get("vlan").asText() + " "
                            + project.get("network").get("cidr").asText() + " " + project.get("usage").get("fixedIps").asText());
                }
            }
            assertThat(expected).containsOnlyKeys("acme", "globex", "initech");
            assertThat(map("[...document.querySelectorAll('#projects tbody tr')].map(r => [r.dataset.project,"
                    + " r.cells[1].textContent + ' ' + r.cells[2].textContent + ' ' + r.cells[3].textContent])")).isEqualTo(expected);
        });
        eventually("the pools' usage bars", () -> {
            JsonNode pools = api("/v1/pools?limit=1000");
            Map<String, String> expected = new LinkedHashMap<>();
            pools.get("vlanRanges").forEach(v -> expected.put("vlan/" + v.get("physicalNetwork").asText(), used(v)));
            expected.put("supernet", used(pools.get("supernet")));
            pools.get("floatingPools").forEach(f -> expected.put("floating/" + f.get("pool").asText(), used(f)));
            assertThat(map("[...document.querySelectorAll('#pools tbody tr')].map(r => [r.dataset.pool,"
                    + " r.querySelector('meter').value + '/' + r.querySelector('meter').max])")).isEqualTo(expected);
        });
        eventually("the nodes with their roles, applied offsets and lag", () -> {
            Map<String, String> expected = new LinkedHashMap<>();
            for (JsonNode node : api("/v1/nodes?limit=1000").get("nodes")) {
                List<String> roles = new ArrayList<>();
                node.get("roles").forEach(r -> roles.add(r.asText().toLowerCase()));
                node.get("applied").fields().forEachRemaining(role -> expected.put(node.get("nodeId").asText() + "/" + role.getKey(),
                        String.join(" ", roles) + " | " + role.getValue().get("appliedOffset").asText() + " "
                                + role.getValue().get("lag").asText() + " " + (role.getValue().get("error").isNull() ? "none"
                                : role.getValue().get("error").asText())));
            }
            assertThat(expected).as("every role of the demo's four nodes acked").hasSize(6);
            assertThat(map("[...document.querySelectorAll('#nodes [data-node] tbody tr')].map(r => {"
                    + " const node = r.closest('[data-node]');"
                    + " const roles = [...node.querySelectorAll('.role')].map(t => t.textContent).join(' ');"
                    + " return [node.dataset.node + '/' + r.dataset.role,"
                    + " roles + ' | ' + r.cells[1].textContent + ' ' + r.cells[2].textContent + ' ' + r.cells[5].textContent]; })"))
                    .isEqualTo(expected);
        });
        browser.screenshot(SCREENSHOTS.resolve("overview.png"));
    }

    @Test
    @Order(2)
    void aProjectShowsItsNetworkGroupsInstancesByHostAndVpn() throws Exception {
        show("#/projects/acme", "project");
        eventually("acme as the API has it", () -> {
            JsonNode project = api("/v1/projects/acme");
            JsonNode network = project.get("network");
            assertThat(text("#network")).contains("VLAN" + network.get("vlan").asText() + " on physnet1", network.get("cidr").asText(),
                    network.get("gateway").asText(), network.get("bridge").asText());
            Map<String, String> groups = new LinkedHashMap<>();
            project.get("groups").forEach(g -> {
                List<String> rules = new ArrayList<>();
                g.get("rules").forEach(r -> rules.add(r.get("ruleId").asText()));
                groups.put(g.get("name").asText(), g.get("description").asText() + " | " + String.join(",", rules));
            });
            assertThat(map("[...document.querySelectorAll('#groups [data-group]')].map(g => [g.dataset.group,"
                    + " g.querySelector('.description').textContent + ' | '"
                    + " + [...g.querySelectorAll('[data-rule]')].map(r => r.dataset.rule).join(',')])")).isEqualTo(groups);
            // the demo puts every instance on a compute host (its fixed IP's host); one without would be on the bridging node
            Map<String, String> instances = new LinkedHashMap<>();
            for (JsonNode i : api("/v1/projects/acme/instances?limit=1000").get("instances")) {
                List<String> floating = new ArrayList<>();
                i.get("floatingIps").forEach(f -> floating.add(f.asText()));
                String host = i.hasNonNull("host") ? i.get("host").asText() : network.get("nodes").get("bridging").asText();
                instances.put(host + "/" + i.get("instance").asText(),
                        i.get("address").asText() + " " + (floating.isEmpty() ? "–" : String.join(", ", floating)));
            }
            assertThat(instances).hasSize(20);
            assertThat(map("[...document.querySelectorAll('#instances [data-instance]')].map(r => ["
                    + " r.closest('[data-host]').dataset.host + '/' + r.dataset.instance, r.cells[2].textContent + ' ' + r.cells[4].textContent])"))
                    .isEqualTo(instances);
            JsonNode vpn = project.get("vpn");
            assertThat(text("#vpn")).contains(vpn.get("publicAddress").asText() + ":" + vpn.get("port").asText(),
                    vpn.get("peers").get(0).get("publicKey").asText(), "Peers (" + vpn.get("peers").size() + ")");
        });
        browser.screenshot(SCREENSHOTS.resolve("project-acme.png"));
    }

    @Test
    @Order(3)
    void theTopologyIsLaidOutFromTheFacts() throws Exception {
        show("#/projects/acme/topology", "topology");
        JsonNode drawn = browser.waitFor("the topology drawn", "document.querySelectorAll('svg.topology g.instance').length === 20 && "
                + "({ kinds: [...document.querySelectorAll('svg.topology g.box')].map(g => g.dataset.id.split(':')[0]),"
                + "   overlaps: " + overlaps("[...document.querySelectorAll('svg.topology rect')].map(r => ({ id: r.parentNode.dataset.id,"
                + "     x: +r.getAttribute('x'), y: +r.getAttribute('y'), w: +r.getAttribute('width'), h: +r.getAttribute('height') }))") + ","
                + "   inside: [...document.querySelectorAll('svg.topology rect')].every(r => { const b = r.getBBox();"
                + "     const v = r.ownerSVGElement.viewBox.baseVal; return b.x >= 0 && b.y >= 0 && b.x + b.width <= v.width"
                + "     && b.y + b.height <= v.height; }),"
                + "   hosts: [...document.querySelectorAll('svg.topology g.host')].map(g => g.dataset.id) })", WITHIN);
        assertThat(drawn.get("overlaps")).as("boxes that overlap").isEmpty();
        assertThat(drawn.get("inside").asBoolean()).as("every box inside the drawing").isTrue();
        // the network host holds the project's bridge first, then the demo's compute hosts, where its instances are
        assertThat(strings(drawn.get("hosts"))).containsExactly("host:network-1", "host:compute-1", "host:compute-2");
        assertThat(strings(drawn.get("kinds"))).contains("public", "routing", "vpn", "l2", "host", "instance");
        browser.screenshot(SCREENSHOTS.resolve("topology-acme.png"));

        // Uneven hosts (nine instances on one, two on another) wrap into columns without overlapping: a model the demo does not make.
        JsonNode layout = browser.evaluate("import('/console/topology.js').then(t => {"
                + " const vm = (name, n) => ({ name, address: '10.0.0.' + n, floating: [], down: false });"
                + " const model = { project: 'p', floating: [], vpn: null, routing: { nodeId: 'net-1', publicAddress: '192.0.2.1' },"
                + "   network: { vlan: 100, physicalNetwork: 'physnet1', cidr: '10.0.0.0/20', bridge: 'br100', gateway: '10.0.0.1' },"
                + "   hosts: [{ name: 'net-1', bridging: true, instances: [vm('a', 2)] },"
                + "     { name: 'compute-1', bridging: false, instances: Array.from({ length: 9 }, (_, i) => vm('c1-' + i, 10 + i)) },"
                + "     { name: 'compute-2', bridging: false, instances: [vm('c2-0', 30), vm('c2-1', 31)] }] };"
                + " const placed = t.layout(model);"
                + " const hosts = placed.boxes.filter(b => b.kind === 'host');"
                + " const centre = (b) => b.x + b.w / 2;"
                + " const misplaced = placed.boxes.filter(b => b.kind === 'instance').filter(b => {"
                + "   const own = hosts.find(h => h.id === 'host:' + b.host);"
                + "   const nearest = hosts.reduce((a, h) => Math.abs(centre(h) - centre(b)) < Math.abs(centre(a) - centre(b)) ? h : a);"
                + "   return b.y < own.y + own.h || nearest !== own; }).map(b => b.id);"
                + " return { hosts: hosts.map(h => h.id), misplaced, overlaps: " + overlaps("placed.boxes") + ","
                + "   instances: placed.boxes.filter(b => b.kind === 'instance').length }; })");
        assertThat(strings(layout.get("hosts"))).containsExactly("host:net-1", "host:compute-1", "host:compute-2");
        assertThat(layout.get("instances").asInt()).isEqualTo(12);
        assertThat(layout.get("misplaced")).as("instances not under their own host").isEmpty();
        assertThat(layout.get("overlaps")).isEmpty();
    }

    @Test
    @Order(4)
    void requestsSentMeanwhileShowUpWithWhoSentThemAndTheirDataStaysText() throws Exception {
        show("#/projects/acme/requests", "requests");
        browser.evaluate("window.__sameDocument = true"); // gone if the page reloaded
        Requester mallory = new Requester("mallory@acme", "gw-console-test");
        try (RequestClient client = new RequestClient(cloud.kafkaClient(), cloud.registryClient(), true, warning -> { })) {
            Result group = send(client, request(CreateSecurityGroup.newBuilder().setName("hostile").setDescription(HOSTILE).build(), mallory));
            JsonNode row = browser.waitFor("the new request on top of the log", "(() => { const r = document.querySelector("
                    + "'#view tbody tr'); return r && r.dataset.request === " + JSON.writeValueAsString(group.getRequestId())
                    + " && [...r.cells].map(c => c.textContent); })()", WITHIN);
            assertThat(strings(row)).containsSubsequence(String.valueOf(group.getSequence()), "CreateSecurityGroup", "ACCEPTED",
                    "mallory@acme via gw-console-test", group.getRequestId());
            browser.screenshot(SCREENSHOTS.resolve("requests-acme.png"));

            show("#/projects/acme", "project");
            JsonNode description = browser.waitFor("the hostile group", "(() => { const g = document.querySelector("
                    + "'[data-group=\"hostile\"] .description'); return g && g.textContent; })()", WITHIN);
            assertThat(description.asText()).as("markup in data is shown as text").isEqualTo(HOSTILE);
            assertThat(browser.evaluate("document.getElementById('injected') === null && document.querySelectorAll('#view img').length === 0"
                    + " && window.__pwned === undefined").asBoolean()).as("no element made, no handler run").isTrue();

            Result instance = send(client, request(AllocateFixedIp.newBuilder().setInstance("web-99").setGroup("hostile").build(), mallory));
            JsonNode cells = browser.waitFor("the new instance on the project page", "(() => { const r = document.querySelector("
                    + "'[data-instance=\"web-99\"]'); return r && [...r.cells].map(c => c.textContent); })()", WITHIN);
            assertThat(strings(cells)).contains("hostile", instance.getAllocated().getAddress(), instance.getAllocated().getMac());
            assertThat(browser.evaluate("window.__sameDocument === true").asBoolean()).as("updated in place, never reloaded").isTrue();
            browser.screenshot(SCREENSHOTS.resolve("project-acme-live.png"));
        }
    }

    @Test
    @Order(5)
    void thePagesBreakNoRuleOfTheirPolicyAndThePolicyHolds() throws Exception {
        assertThat(browser.errors()).as("errors the pages reported").isEmpty();
        assertThat(browser.evaluate("window.__violations")).as("CSP violations").isEmpty();
        // the policy is in force: an inline script and an inline style (what injected markup would bring) are refused
        browser.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
                + " document.head.append(s); const c = document.createElement('style'); c.textContent = 'body { color: red }';"
                + " document.head.append(c); })()");
        JsonNode violations = browser.waitFor("both refused", "window.__violations.length >= 2 && window.__violations", WITHIN);
        assertThat(strings(violations)).containsExactlyInAnyOrder("script-src-elem inline", "style-src-elem inline");
        assertThat(browser.evaluate("window.__inline === undefined").asBoolean()).isTrue();
    }

    // ------------------------------------------------------------------ helpers

    /** Opens a view (the first time the console itself) and waits until it is drawn. */
    private static void show(String hash, String view) throws Exception {
        JsonNode here = browser.evaluate("location.href.startsWith(" + JSON.writeValueAsString(console) + ")");
        if (here.asBoolean()) {
            browser.evaluate("location.hash = " + JSON.writeValueAsString(hash));
        } else {
            browser.open(console + hash);
        }
        browser.waitFor("view " + view, "document.getElementById('view').dataset.view === '" + view
                + "' && document.getElementById('view').dataset.ready === 'true'", WITHIN);
    }

    interface Check {
        void run() throws Exception;
    }

    /**
     * Runs the check until it passes or the deadline: the page refreshes every 2 s, so one that read the API between two of
     * its refreshes may see it a refresh behind. Between tries it waits for the page's next refresh.
     */
    private static void eventually(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(what + ", within " + WITHIN.toSeconds() + " s", e);
                }
            }
            String refreshes = browser.evaluate("document.getElementById('view').dataset.refreshes").asText();
            browser.waitFor("the next refresh", "document.getElementById('view').dataset.refreshes !== '" + refreshes + "'", WITHIN);
        }
    }

    /** A JavaScript expression that lists the overlapping pairs among boxes {id, x, y, w, h}. */
    private static String overlaps(String boxes) {
        return "((boxes) => boxes.flatMap((a, i) => boxes.slice(i + 1).filter(b => a.x < b.x + b.w && b.x < a.x + a.w"
                + " && a.y < b.y + b.h && b.y < a.y + a.h).map(b => a.id + ' x ' + b.id)))(" + boxes + ")";
    }

    private static Map<String, String> map(String pairs) throws Exception {
        Map<String, String> map = new LinkedHashMap<>();
        browser.evaluate(pairs).forEach(pair -> map.put(pair.get(0).asText(), pair.get(1).asText()));
        return map;
    }

    private static String text(String selector) throws Exception {
        return browser.evaluate("document.querySelector(" + JSON.writeValueAsString(selector) + ").textContent").asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(item -> strings.add(item.asText()));
        return strings;
    }

    private static String used(JsonNode pool) {
        return pool.get("used").asText() + "/" + Math.max(pool.get("size").asInt(), 1);
    }

    private static JsonNode api(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(cloud.controllerUrl() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static Request request(Object command, Requester by) {
        return Request.newBuilder().setRequestId("console-" + UUID.randomUUID()).setProject("acme").setSubmittedAt(Instant.now())
                .setCommand(command).setRequestedBy(by).build();
    }

    private static Result send(RequestClient client, Request request) {
        Result result = client.send(request, RequestClient.Wait.RESULT, WITHIN).result();
        assertThat(result.getStatus()).as(result.getMessage()).isEqualTo(Status.ACCEPTED);
        return result;
    }
}
