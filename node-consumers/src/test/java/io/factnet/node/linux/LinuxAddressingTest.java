package io.factnet.node.linux;

import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.AddressingEntry;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.node.addressing.AddressingReconciler;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.runtime.SyncReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The addressing role against the real dnsmasq and dhcp_release in namespaces: an instance namespace on the
 * network's bridge gets its lease by DHCP; when its host entry goes (its fixed IP released) the lease is freed at
 * once, and the address's next holder, another MAC, gets it by DHCP straight away instead of after the old lease's
 * expiry.
 *
 * <pre>
 *   ns R (addressing agent, dnsmasq) br100 10.0.0.1/24 -- tap0 | eth0 -- ns I (instance, udhcpc)
 * </pre>
 */
class LinuxAddressingTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String MAC = "fa:16:3e:00:00:05";
    static final String NEXT_MAC = "fa:16:3e:00:00:06";
    static final String ADDRESS = "10.0.0.5";

    LinuxLab lab;
    Path work;
    String router;
    String instance;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux addressing test skipped: " + unavailable.orElse(""));
        lab = new LinuxLab();
        // dnsmasq drops to an unprivileged user and must still reach its hosts file: o+x on the path.
        work = Files.createTempDirectory("factnet-dhcp-" + lab.id + "-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        router = lab.namespace("ar");
        instance = lab.namespace("ai");
        lab.run(router, "ip", "link", "add", "br100", "type", "bridge");
        lab.run(router, "ip", "address", "add", "10.0.0.1/24", "dev", "br100");
        lab.run(router, "ip", "link", "set", "br100", "up");
        lab.attachVm(router, instance, "br100", MAC, io.factnet.topics.PortNames.of("p1", "vm1"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (lab == null) {
            return;
        }
        lab.close();
        try (Stream<Path> walk = Files.walk(work)) {
            walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
        }
    }

    @Test
    void aReleasedFixedIpsLeaseIsFreedAtOnceAndItsNextHolderGetsTheAddress() throws Exception {
        AddressingReconciler reconciler = new AddressingReconciler(Host.linux(Optional.of(router)), work.resolve("addressing"),
                "a1", true);
        reconciler.preflight();
        SortedMap<String, AddressingEntry> desired = new TreeMap<>();
        desired.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/24", "10.0.0.1", List.of(), "novalocal", 3600));
        desired.put("host/p1/vm1", dhcpHost("p1", MAC, "vm1", ADDRESS));
        assertThat(reconciler.sync(desired, true).failed()).isEmpty();

        assertThat(dhcp()).as("the instance's DHCP answer").containsEntry("ip", ADDRESS).containsEntry("router", "10.0.0.1");
        Path leases = work.resolve("addressing/br100/leases");
        assertThat(eventually(WAIT, () -> leases().contains(" " + MAC + " " + ADDRESS + " "))).as("the lease in " + leases).isTrue();
        List<Object> events = new ArrayList<>();
        assertThat(eventually(WAIT, () -> {
            reconciler.pollEvents(event -> events.add(event.getCommand()));
            return events.stream().anyMatch(e -> e instanceof LeaseGranted g && g.getAddress().equals(ADDRESS));
        })).as("dnsmasq's add callback").isTrue();

        // vm1's fixed IP is released: its host entry goes, applied as a change (ADR 0026)
        Map<String, AddressingEntry> released = new HashMap<>();
        released.put("host/p1/vm1", null);
        desired.remove("host/p1/vm1");
        SyncReport report = reconciler.apply(released, () -> desired);
        assertThat(report.failed()).isEmpty();
        assertThat(eventually(WAIT, () -> !leases().contains(ADDRESS))).as("the lease freed at once: " + leases()).isTrue();
        assertThat(eventually(WAIT, () -> {
            reconciler.pollEvents(event -> events.add(event.getCommand()));
            return events.contains(LeaseReleased.newBuilder().setNodeId("a1").setAddress(ADDRESS).setMac(MAC).build());
        })).as("dnsmasq's del callback, back to the controller").isTrue();

        // the address's next holder, another MAC, gets it now (the old lease would have refused it for an hour)
        desired.put("host/p1/vm2", dhcpHost("p1", NEXT_MAC, "vm2", ADDRESS));
        assertThat(reconciler.apply(Map.of("host/p1/vm2", desired.get("host/p1/vm2")), () -> desired).failed()).isEmpty();
        lab.run(instance, "ip", "link", "set", "eth0", "down");
        lab.run(instance, "ip", "link", "set", "eth0", "address", NEXT_MAC, "up");
        assertThat(dhcp()).as("the next holder's DHCP answer").containsEntry("ip", ADDRESS);
        assertThat(eventually(WAIT, () -> leases().contains(" " + NEXT_MAC + " " + ADDRESS + " "))).isTrue();
    }

    /**
     * DNS through the network's dnsmasq, as an instance uses it: DHCP names the gateway as DNS server and the network's
     * domain; an instance resolves another instance by its full and its bare name; a name of the network's domain that
     * is no instance is "not found" and never forwarded; an outside name is forwarded to the network's DNS server (a
     * second dnsmasq in an upstream namespace, never the internet); a renamed instance is found under its new name
     * after a SIGHUP, with no restart.
     *
     * <pre>
     *   ns I (instance) eth0 -- tap0 br100 10.0.0.1 ns R (dnsmasq) up0 192.0.2.1 -- eth0 192.0.2.53 ns U (upstream dnsmasq)
     * </pre>
     */
    @Test
    void anInstanceResolvesOtherInstancesThroughItsNetworksDnsmasqAndOutsideNamesThroughTheNetworksServer() throws Exception {
        String upstream = lab.namespace("au");
        lab.veth(router, "up0", upstream, "eth0");
        lab.run(router, "ip", "address", "add", "192.0.2.1/24", "dev", "up0");
        lab.run(router, "ip", "link", "set", "up0", "up");
        lab.run(upstream, "ip", "address", "add", "192.0.2.53/24", "dev", "eth0");
        lab.run(upstream, "ip", "link", "set", "eth0", "up");
        Path upstreamLog = work.resolve("upstream.log");
        lab.run(upstream, "dnsmasq", "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--bind-interfaces",
                "--listen-address=192.0.2.53", "--except-interface=lo", "--port=53", "--user=root",
                "--host-record=www.outside.test,198.51.100.80", "--log-queries", "--log-facility=" + upstreamLog,
                "--pid-file=" + work.resolve("upstream.pid"));

        AddressingReconciler reconciler = new AddressingReconciler(Host.linux(Optional.of(router)), work.resolve("addressing"),
                "a1", true);
        reconciler.preflight();
        SortedMap<String, AddressingEntry> desired = new TreeMap<>();
        desired.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/24", "10.0.0.1", List.of("192.0.2.53"), "novalocal", 3600));
        desired.put("host/p1/vm1", dhcpHost("p1", MAC, "vm1", ADDRESS));
        desired.put("host/p1/vm2", dhcpHost("p1", NEXT_MAC, "db-primary", "10.0.0.6"));
        assertThat(reconciler.sync(desired, true).failed()).isEmpty();

        Map<String, String> lease = dhcp();
        assertThat(lease).as("the instance's DHCP answer").containsEntry("ip", ADDRESS)
                .containsEntry("dns", "10.0.0.1").containsEntry("domain", "novalocal");
        lab.run(instance, "ip", "address", "add", lease.get("ip") + "/24", "dev", "eth0");
        // no search domain: a bare name is asked as it is, so dnsmasq's answer to it is what is tested
        lab.resolvConf(instance, "nameserver " + lease.get("dns") + "\noptions timeout:1 attempts:3\n");

        assertThat(resolve("db-primary.novalocal")).contains("10.0.0.6");
        assertThat(resolve("db-primary")).as("the bare hostname").contains("10.0.0.6");
        assertThat(resolve("vm1.novalocal")).as("its own name").contains(ADDRESS);
        assertThat(resolve("www.outside.test")).as("forwarded to the network's DNS server").contains("198.51.100.80");
        CommandResult reverse = lab.tryRun(instance, "getent", "hosts", "10.0.0.6");
        assertThat(reverse.stdout().strip().split("\\s+")).as("the reverse lookup gives the full name first")
                .startsWith("10.0.0.6", "db-primary.novalocal");
        assertThat(resolve("nobody.novalocal")).as("a name of the network's domain that no instance has").isEmpty();
        assertThat(StateFiles.read(upstreamLog).orElse("")).as("what the upstream server was asked")
                .contains("query[A] www.outside.test").doesNotContain("novalocal").doesNotContain("db-primary");

        long pid = Long.parseLong(Files.readString(work.resolve("addressing/br100/pid")).strip());
        desired.put("host/p1/vm2", dhcpHost("p1", NEXT_MAC, "db-replica", "10.0.0.6"));
        assertThat(reconciler.apply(Map.of("host/p1/vm2", desired.get("host/p1/vm2")), () -> desired).failed()).isEmpty();
        assertThat(resolve("db-replica.novalocal")).as("the new name, after a SIGHUP").contains("10.0.0.6");
        assertThat(resolve("db-primary.novalocal")).as("the old name is gone").isEmpty();
        assertThat(Long.parseLong(Files.readString(work.resolve("addressing/br100/pid")).strip())).as("no restart").isEqualTo(pid);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
    }

    /** The addresses the instance's resolver gives for a name (getent through its resolv.conf); empty: not found. */
    private List<String> resolve(String name) {
        CommandResult result = lab.tryRun(instance, "getent", "ahostsv4", name);
        assertThat(result.exitCode()).as("getent ahostsv4 " + name + ": " + result.stderr()).isIn(0, 2);
        return result.stdout().lines().map(line -> line.split("\\s+")[0]).distinct().toList();
    }

    private String leases() {
        return StateFiles.read(work.resolve("addressing/br100/leases")).orElse("");
    }

    /** udhcpc with our own script, which only writes down what it was told: it never touches /etc/resolv.conf. */
    private Map<String, String> dhcp() throws Exception {
        Path script = work.resolve("udhcpc-script");
        Path answer = work.resolve("udhcpc-answer");
        Files.deleteIfExists(answer);
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"
                + "printf 'ip=%s\\nrouter=%s\\ndns=%s\\ndomain=%s\\n' \"$ip\" \"$router\" \"$dns\" \"$domain\" > '" + answer + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        CommandResult result = lab.tryRun(instance, "udhcpc", "-f", "-q", "-n", "-i", "eth0", "-s", script.toString(),
                "-t", "5", "-T", "1");
        assertThat(result.ok()).as("udhcpc got a lease: " + result.stdout() + result.stderr()).isTrue();
        Map<String, String> values = new HashMap<>();
        Files.readAllLines(answer).forEach(line -> values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        return values;
    }
}
