package io.factnet.node.linux;

import static io.factnet.node.Entries.snat;
import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.Host;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A network's own addresses on the routing node (its gateway, where dnsmasq answers DNS and DHCP) answer that network
 * only (ADR 0034), on both firewall backends: two projects' networks routed by one node, a listener on the node
 * (port 53, as dnsmasq's DNS), and each project's instance reaching its own gateway but not the other project's.
 *
 * <pre>
 *   ns a 10.0.1.5  -- vm0 10.0.1.1  (p1, block 10.0.0.0/20)  [ns router: routing agent, tcp 53 listener]
 *   ns b 10.0.17.5 -- vm1 10.0.17.1 (p2, block 10.0.16.0/20) /
 * </pre>
 */
class LinuxGatewayInputTest {
    static final String GATEWAY_1 = "10.0.1.1";
    static final String GATEWAY_2 = "10.0.17.1";
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path folder;
    LinuxLab lab;
    String router;
    String a;
    String b;

    @BeforeEach
    void namespaces() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux gateway input test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        router = lab.namespace("gr");
        a = lab.namespace("ga");
        b = lab.namespace("gb");
        lab.veth(router, "pub0", lab.namespace("gx"), "eth0"); // the public side the agent checks; no traffic here
        lab.addressUp(router, "pub0", "198.51.100.1/24");
        lab.veth(router, "vm0", a, "eth0");
        lab.veth(router, "vm1", b, "eth0");
        lab.addressUp(router, "vm0", GATEWAY_1 + "/24");
        lab.addressUp(router, "vm1", GATEWAY_2 + "/24");
        lab.addressUp(a, "eth0", "10.0.1.5/24");
        lab.addressUp(b, "eth0", "10.0.17.5/24");
        lab.run(a, "ip", "route", "add", "default", "via", GATEWAY_1);
        lab.run(b, "ip", "route", "add", "default", "via", GATEWAY_2);
        lab.spawn(router, "nc", "-lk", "53");
        assertThat(eventually(WAIT, () -> reaches(a, GATEWAY_1))).as("the listener").isTrue();
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    /** A TCP connection from the namespace to the router's port 53 at this address is made (nc -z). */
    private boolean reaches(String from, String address) {
        return lab.tryRun(from, "nc", "-z", "-w", "2", address, "53").ok();
    }

    @ParameterizedTest
    @EnumSource(RoutingConfig.Firewall.class)
    void anotherProjectCannotReachANetworksGatewayAddress(RoutingConfig.Firewall firewall) {
        assertThat(reaches(b, GATEWAY_1)).as("without factnet's rules the node answers on every address").isTrue();
        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state"),
                RoutingReconcilerTest.CONFIG.withFirewall(firewall));
        reconciler.preflight();
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", snat("p1", "10.0.0.0/20"));
        desired.put("snat/p2", snat("p2", "10.0.16.0/20"));
        assertThat(reconciler.sync(desired, true).rejected()).isEmpty();

        assertThat(reaches(a, GATEWAY_1)).as("p1 to its own gateway").isTrue();
        assertThat(reaches(b, GATEWAY_2)).as("p2 to its own gateway").isTrue();
        assertThat(reaches(b, GATEWAY_1)).as("p2 to p1's gateway").isFalse();
        assertThat(reaches(a, GATEWAY_2)).as("p1 to p2's gateway").isFalse();
        assertThat(reconciler.sync(desired, true).changed()).as("the kernel's listing is no drift").isFalse();
    }
}
