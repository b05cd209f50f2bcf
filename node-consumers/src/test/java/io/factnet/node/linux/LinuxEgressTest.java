package io.factnet.node.linux;

import static io.factnet.node.Entries.egressAny;
import static io.factnet.node.Entries.egressTcp;
import static io.factnet.node.Entries.group;
import static io.factnet.node.Entries.snat;
import static io.factnet.node.Entries.tcp;
import static io.factnet.node.Entries.withEgress;
import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.Host;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.runtime.SyncReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Egress rules with packets (ADR 0030), on both firewall backends: the routing agent in a router namespace between
 * two instance namespaces (groups web and db of one project) and an outside host X. Without egress rules web reaches
 * X on any port; with "tcp 80 to X" and "any to db's subnet" it reaches X:80 but not X:22, and db:5432, which db's
 * own ingress opens to web, but not db:22, which db's ingress does not: an egress rule never opens another group.
 *
 * <pre>
 *   ns web 10.0.1.5 -- vm0 10.0.1.1 [ns router: routing agent] pub0 198.51.100.1 -- ns X 198.51.100.2 (tcp 80, 22)
 *   ns db  10.0.2.5 -- vm1 10.0.2.1 /
 * </pre>
 */
class LinuxEgressTest {
    static final String X = "198.51.100.2";
    static final String DB = "10.0.2.5";
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path folder;
    LinuxLab lab;
    String router;
    String web;
    String db;
    String outside;

    @BeforeEach
    void namespaces() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux egress test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        router = lab.namespace("er");
        web = lab.namespace("ew");
        db = lab.namespace("ed");
        outside = lab.namespace("ex");
        lab.veth(router, "pub0", outside, "eth0");
        lab.veth(router, "vm0", web, "eth0");
        lab.veth(router, "vm1", db, "eth0");
        lab.addressUp(router, "pub0", "198.51.100.1/24");
        lab.addressUp(router, "vm0", "10.0.1.1/24");
        lab.addressUp(router, "vm1", "10.0.2.1/24");
        lab.addressUp(outside, "eth0", X + "/24");
        lab.addressUp(web, "eth0", "10.0.1.5/24");
        lab.addressUp(db, "eth0", DB + "/24");
        lab.run(web, "ip", "route", "add", "default", "via", "10.0.1.1");
        lab.run(db, "ip", "route", "add", "default", "via", "10.0.2.1");
        for (String port : new String[] {"80", "22"}) {
            lab.spawn(outside, "nc", "-lk", port);
        }
        for (String port : new String[] {"5432", "22"}) {
            lab.spawn(db, "nc", "-lk", port);
        }
        assertThat(eventually(WAIT, () -> listening(outside, X, 80) && listening(outside, X, 22)
                && listening(db, DB, 5432) && listening(db, DB, 22))).as("the listeners").isTrue();
    }

    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    private boolean listening(String ns, String address, int port) {
        return reaches(ns, address, port);
    }

    /** A TCP connection from the namespace to address:port is made (nc -z: connect, then close). */
    private boolean reaches(String from, String address, int port) {
        return lab.tryRun(from, "nc", "-z", "-w", "2", address, String.valueOf(port)).ok();
    }

    static SortedMap<String, RoutingEntry> entries(boolean egress) {
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/p1", snat("p1", "10.0.0.0/20"));
        RoutingEntry webGroup = group("p1", "web", "10.0.1.0/24", tcp(22, 22, "0.0.0.0/0"));
        desired.put("group/p1/web", egress ? withEgress(webGroup, egressTcp(80, 80, X + "/32"), egressAny("10.0.2.0/24"))
                : webGroup);
        desired.put("group/p1/db", group("p1", "db", "10.0.2.0/24", tcp(5432, 5432, "10.0.1.0/24")));
        return desired;
    }

    @ParameterizedTest
    @EnumSource(RoutingConfig.Firewall.class)
    void anInstanceWhoseGroupHasEgressRulesSendsOnlyWhatTheyAllow(RoutingConfig.Firewall firewall) {
        RoutingConfig config = RoutingReconcilerTest.CONFIG.withFirewall(firewall);
        RoutingReconciler reconciler = new RoutingReconciler(Host.linux(Optional.of(router)), folder.resolve("state"), config);
        reconciler.preflight();
        assertThat(reconciler.sync(entries(false), true).rejected()).isEmpty();
        assertThat(reaches(web, X, 80)).as("no egress rule: X:80").isTrue();
        assertThat(reaches(web, X, 22)).as("no egress rule: X:22").isTrue();
        assertThat(reaches(web, DB, 5432)).as("db's ingress opens 5432 to web").isTrue();
        assertThat(reaches(web, DB, 22)).as("db's ingress does not open 22").isFalse();

        SyncReport report = reconciler.sync(entries(true), true);
        assertThat(report.rejected()).isEmpty();
        assertThat(report.failed()).isEmpty();
        assertThat(reaches(web, X, 80)).as("allowed by web's egress rule: X:80").isTrue();
        assertThat(reaches(web, X, 22)).as("not allowed by web's egress rules: X:22").isFalse();
        assertThat(reaches(web, DB, 5432)).as("web's egress to db's subnet, and db's ingress: 5432").isTrue();
        assertThat(reaches(web, DB, 22)).as("web's egress allows it, db's ingress does not: 22").isFalse();
        assertThat(reaches(db, X, 22)).as("db has no egress rule: it sends anywhere").isTrue();
        assertThat(reconciler.sync(entries(true), true).changed()).as("the kernel's listing is no drift").isFalse();

        assertThat(reconciler.sync(entries(false), true).changed()).isTrue();
        assertThat(reaches(web, X, 22)).as("egress rules gone: X:22 again").isTrue();
    }
}
