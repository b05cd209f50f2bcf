package io.factnet.node.linux;

import static io.factnet.node.Entries.snat;
import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.metadata.MetadataServerFixture;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The metadata service through the routing node's real DNAT (ADR 0033), on both firewall backends: two instance
 * namespaces on the project's bridge in a router namespace ask http://169.254.169.254/ with curl; the routing agent
 * DNATs it to a metadata server listening on the router's public address (or, set as ":8775", redirects it to the
 * server's port on the gateway address) (the service's route and HTTP server, in a JVM
 * started inside the router namespace, with facts from a file instead of Kafka). Each instance gets its own hostname,
 * keys and user data and never the other's, whatever headers it sends; without the server setting nothing answers.
 *
 * <pre>
 *   ns vm1 10.0.0.5 -- tap1 \
 *                            br100 10.0.0.1/20 [ns router: routing agent, metadata server on *:8775, pub0 198.51.100.1]
 *   ns vm2 10.0.0.6 -- tap2 /
 * </pre>
 */
class LinuxMetadataTest {
    static final String VM1 = "10.0.0.5";
    static final String VM2 = "10.0.0.6";
    static final String KEY1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne1111111111111111111111111111111111111111 alice@vm1";
    static final String KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwo2222222222222222222222222222222222222222 bob@vm2";
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path folder;
    LinuxLab lab;
    String router;
    String vm1;
    String vm2;

    @BeforeEach
    void namespaces() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux metadata test skipped: " + unavailable.orElse(""));
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "Linux metadata test skipped: no /usr/bin/curl");
        lab = new LinuxLab();
        router = lab.namespace("mr");
        vm1 = lab.namespace("m1");
        vm2 = lab.namespace("m2");
        // the router's public side: a veth whose peer stays in the router (no dummy driver in every kernel)
        lab.run(router, "ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1");
        lab.run(router, "ip", "link", "set", "pub1", "up");
        lab.run(router, "ip", "address", "add", "198.51.100.1/24", "dev", "pub0");
        lab.run(router, "ip", "link", "set", "pub0", "up");
        lab.run(router, "ip", "link", "add", "br100", "type", "bridge");
        lab.run(router, "ip", "address", "add", "10.0.0.1/20", "dev", "br100");
        lab.run(router, "ip", "link", "set", "br100", "up");
        // Each VM's port named as the controller names it (ADR 0035).
        for (String[] vm : new String[][] {{vm1, VM1, "fa:16:3e:00:00:05", "vm1"}, {vm2, VM2, "fa:16:3e:00:00:06", "vm2"}}) {
            lab.attachVm(router, vm[0], "br100", vm[2], io.factnet.topics.PortNames.of("p1", vm[3]));
            lab.run(vm[0], "ip", "address", "add", vm[1] + "/20", "dev", "eth0");
            lab.run(vm[0], "ip", "route", "add", "default", "via", "10.0.0.1");
        }
        Path facts = folder.resolve("facts.tsv");
        Files.writeString(facts, MetadataServerFixture.line(VM1, "p1", "vm1", "web-1", "#cloud-config\nhostname: web-1\n", List.of(KEY1))
                + MetadataServerFixture.line(VM2, "p1", "vm2", "db-1", "secret of vm2", List.of(KEY2)));
        String java = ProcessHandle.current().info().command().orElse("java");
        lab.spawn(router, java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), MetadataServerFixture.class.getName(),
                "0.0.0.0", "8775", facts.toString());
        // the server itself, asked from the router (not through the DNAT): up once it answers; the router is no instance
        assertThat(eventually(WAIT, () -> curl(router, "http://198.51.100.1:8775/openstack").stdout().contains("404")))
                .as("the metadata server in the router namespace").isTrue();
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    /** curl inside a namespace: the body, then the status on a line of its own. */
    private CommandResult curl(String ns, String url, String... headers) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "3", "-w", "\\n%{http_code}"));
        for (String header : headers) {
            argv.add("-H");
            argv.add(header);
        }
        argv.add(url);
        return lab.tryRun(ns, argv.toArray(String[]::new));
    }

    /** The body of a 200 answer, or a failure naming what came instead. */
    private String fetch(String ns, String path, String... headers) {
        CommandResult result = curl(ns, "http://169.254.169.254" + path, headers);
        assertThat(result.ok()).as("curl " + path + " from " + ns + ": " + result.stderr()).isTrue();
        String out = result.stdout();
        int cut = out.lastIndexOf('\n');
        assertThat(out.substring(cut + 1)).as("status of " + path + " from " + ns + ": " + out).isEqualTo("200");
        return out.substring(0, cut);
    }

    static SortedMap<String, RoutingEntry> entries() {
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", snat("p1", "10.0.0.0/20"));
        return desired;
    }

    /** Each backend, with the server's address (DNAT) and as a server on the node itself (":8775", REDIRECT). */
    static Stream<Arguments> setups() {
        return Stream.of(RoutingConfig.Firewall.values()).flatMap(firewall -> Stream.of(
                Arguments.of(firewall, "198.51.100.1:8775"), Arguments.of(firewall, ":8775")));
    }

    @ParameterizedTest(name = "{0} to {1}")
    @MethodSource("setups")
    void eachInstanceFetchesItsOwnMetadataThroughTheDnatAndNeverTheOthers(RoutingConfig.Firewall firewall, String server) {
        // Without the setting the node DNATs nothing: 169.254.169.254 is nobody.
        RoutingReconciler without = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state-without"),
                RoutingReconcilerTest.CONFIG.withFirewall(firewall));
        without.preflight();
        assertThat(without.sync(entries(), true).rejected()).isEmpty();
        assertThat(curl(vm1, "http://169.254.169.254/openstack/latest/meta_data.json").ok()).as("no DNAT, no answer").isFalse();

        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state"),
                RoutingReconcilerTest.CONFIG.withMetadataServer(RoutingConfig.MetadataServer.parse(server)).withFirewall(firewall));
        reconciler.preflight();
        assertThat(reconciler.sync(entries(), true).rejected()).isEmpty();

        String meta1 = fetch(vm1, "/openstack/latest/meta_data.json");
        assertThat(meta1).contains("\"name\":\"vm1\"", "\"hostname\":\"web-1\"", KEY1).doesNotContain(KEY2, "vm2", "db-1");
        String meta2 = fetch(vm2, "/openstack/latest/meta_data.json");
        assertThat(meta2).contains("\"name\":\"vm2\"", "\"hostname\":\"db-1\"", KEY2).doesNotContain(KEY1, "web-1");
        assertThat(fetch(vm1, "/openstack/latest/user_data")).isEqualTo("#cloud-config\nhostname: web-1\n");
        assertThat(fetch(vm2, "/openstack/latest/user_data")).isEqualTo("secret of vm2");
        assertThat(fetch(vm1, "/latest/meta-data/local-ipv4")).as("the source address arrived unchanged").isEqualTo(VM1);
        assertThat(fetch(vm2, "/latest/meta-data/public-keys/0/openssh-key")).isEqualTo(KEY2);

        // Headers that claim to be the other instance change nothing: only the connection's source counts.
        String spoofed = fetch(vm1, "/openstack/latest/user_data", "X-Forwarded-For: " + VM2, "X-Real-IP: " + VM2,
                "Forwarded: for=" + VM2, "X-Instance-ID: vm2");
        assertThat(spoofed).isEqualTo("#cloud-config\nhostname: web-1\n").doesNotContain("secret of vm2");
        assertThat(fetch(vm2, "/latest/meta-data/hostname", "X-Forwarded-For: " + VM1)).isEqualTo("db-1");
        assertThat(curl(vm1, "http://169.254.169.254/latest/meta-data/nothing-here").stdout()).endsWith("404");
        assertThat(reconciler.sync(entries(), true).changed()).as("the kernel's listing is no drift").isFalse();
    }
}
