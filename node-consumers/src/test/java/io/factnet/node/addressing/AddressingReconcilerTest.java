package io.factnet.node.addressing;

import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddressingEntry;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.Request;
import io.factnet.node.References;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.FailureSwitch;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimProcesses;
import io.factnet.node.sim.SimulatedHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressingReconcilerTest {
    @TempDir
    Path folder;
    SimulatedHost sim;
    AddressingReconciler reconciler;

    @BeforeEach
    void node() {
        sim = new SimulatedHost();
        sim.ip().addLink("br100", "bridge").addresses.add("10.0.0.1/20");
        sim.ip().addLink("br101", "bridge").addresses.add("10.0.16.1/20");
        reconciler = new AddressingReconciler(sim.host(), folder.resolve("addressing"), "a1", false);
    }

    static SortedMap<String, AddressingEntry> sample() {
        SortedMap<String, AddressingEntry> desired = new TreeMap<>();
        desired.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1", List.of("8.8.8.8", "1.1.1.1"), "novalocal", 3600));
        desired.put("host/p1/vm1", dhcpHost("p1", "fa:16:3e:00:00:05", "VM One", "10.0.1.5"));
        desired.put("host/p1/vm2", dhcpHost("p1", "FA:16:3E:00:00:06", "vm-two.example", "10.0.1.6"));
        desired.put("net/p2", dhcpNetwork("p2", "br101", "10.0.16.0/20", "10.0.16.1", List.of(), "p2.cloud", 600));
        desired.put("host/p2/db", dhcpHost("p2", "fa:16:3e:00:01:01", "db", "10.0.17.3"));
        return desired;
    }

    @Test
    void rendersEachNetworksDnsmasqAsReviewed() {
        DhcpModel model = DhcpModelBuilder.build(sample()).model();
        StringBuilder out = new StringBuilder();
        for (DhcpModel.Network network : model.networks()) {
            DnsmasqFiles files = new DnsmasqFiles(Path.of("/var/lib/factnet/a1/addressing/" + network.bridge()));
            out.append("# argv\n").append(String.join("\n", files.argv(network))).append("\n# hosts\n")
                    .append(DnsmasqFiles.hostsFile(network)).append("# dns-hosts\n").append(DnsmasqFiles.dnsHostsFile(network));
        }
        out.append("# lease hook\n").append(new DnsmasqFiles(Path.of("/var/lib/factnet/a1/addressing/br100")).hookScript());
        References.assertMatches("addressing.txt", out.toString());
    }

    @Test
    void aNetworkWhoseBridgeIsNotThereYetFailsOnlyItsOwnEntriesUntilTheBridgingAgentMadeIt() {
        SortedMap<String, AddressingEntry> desired = sample();
        // first in every order (key and bridge name): the networks after it are served all the same
        desired.put("net/p0", dhcpNetwork("p0", "br10", "10.0.32.0/20", "10.0.32.1", List.of(), "novalocal", 3600));
        desired.put("host/p0/vm", dhcpHost("p0", "fa:16:3e:00:00:09", "vm", "10.0.32.5"));

        SyncReport report = reconciler.sync(desired, true);
        assertThat(report.failed()).extracting(SyncReport.Rejection::resource).containsExactlyInAnyOrder("net/p0", "host/p0/vm");
        assertThat(report.failed()).extracting(SyncReport.Rejection::reason)
                .containsOnly("bridge br10 is not there yet (the bridging agent makes it)");
        assertThat(report.notApplied()).containsExactlyInAnyOrder("net/p0", "host/p0/vm");
        assertThat(sim.processes().processes().values()).noneMatch(p -> p.argv.contains("--interface=br10"));
        assertThat(sim.processes().processes().values()).hasSize(2)
                .anyMatch(p -> p.argv.contains("--interface=br100")).anyMatch(p -> p.argv.contains("--interface=br101"));

        SimIp.Link br10 = sim.ip().addLink("br10", "bridge"); // the bridging agent's work, in two steps
        assertThat(reconciler.sync(desired, true).failed()).as("dnsmasq's DNS binds to the gateway address alone")
                .extracting(SyncReport.Rejection::reason)
                .containsOnly("bridge br10 does not have the gateway address 10.0.32.1 yet (the bridging agent adds it)");
        br10.addresses.add("10.0.32.1/20");
        assertThat(reconciler.sync(desired, true).counts()).containsEntry("networks", 3L);
        assertThat(sim.processes().processes()).hasSize(3);
    }

    @Test
    void dnsmasqAnswersTheNetworksInstanceNamesOnItsGatewayAndForwardsTheRestToTheNetworksServersOnly() {
        SyncReport report = reconciler.sync(sample(), true);
        assertThat(report.failed()).isEmpty();
        SimProcesses dns = sim.processes();
        // p1: domain novalocal, servers 8.8.8.8 and 1.1.1.1, listening on its gateway 10.0.0.1
        assertThat(dns.query("10.0.0.1", "vm-one.novalocal")).contains("A 10.0.1.5");
        assertThat(dns.query("10.0.0.1", "vm-two-example.novalocal")).contains("A 10.0.1.6");
        assertThat(dns.query("10.0.0.1", "VM-One")).as("the bare hostname, any case").contains("A 10.0.1.5");
        assertThat(dns.query("10.0.0.1", "nobody.novalocal")).as("the network's domain is never forwarded").contains("NXDOMAIN");
        assertThat(dns.query("10.0.0.1", "nobody")).as("nor a bare name").contains("NXDOMAIN");
        assertThat(dns.query("10.0.0.1", "db.p2.cloud")).as("another network's instance is not this network's")
                .contains("FORWARD 8.8.8.8,1.1.1.1");
        assertThat(dns.query("10.0.0.1", "www.example.org")).contains("FORWARD 8.8.8.8,1.1.1.1");
        // p2: domain p2.cloud, no servers: its own names only, the rest refused (the host's resolver is never asked)
        assertThat(dns.query("10.0.16.1", "db.p2.cloud")).contains("A 10.0.17.3");
        assertThat(dns.query("10.0.16.1", "vm-one.novalocal")).contains("REFUSED");
        assertThat(dns.query("10.0.16.1", "www.example.org")).contains("REFUSED");
        assertThat(dns.query("127.0.0.1", "vm-one.novalocal")).as("nothing listens anywhere else").isEmpty();
        assertThat(dns.query("0.0.0.0", "vm-one.novalocal")).isEmpty();

        List<String> argv = dns.processes().get(pidOf("br100")).argv;
        assertThat(argv).filteredOn(a -> a.startsWith("--listen-address=") || a.startsWith("--interface="))
                .containsExactlyInAnyOrder("--listen-address=10.0.0.1", "--interface=br100");
        assertThat(argv).contains("--bind-interfaces", "--no-resolv", "--no-hosts", "--port=53",
                "--dhcp-option=option:dns-server,10.0.0.1", "--domain=novalocal");
    }

    @Test
    void aRenamedHostIsAnsweredUnderItsNewNameAfterOneSighupWithoutARestart() throws Exception {
        reconciler.sync(sample(), true);
        long p1 = pidOf("br100");
        sim.clearCommands();
        Map<String, AddressingEntry> changes = new java.util.HashMap<>();
        changes.put("host/p1/vm1", dhcpHost("p1", "fa:16:3e:00:00:05", "web-1", "10.0.1.5"));
        changes.put("host/p1/vm3", dhcpHost("p1", "fa:16:3e:00:00:07", "db-1", "10.0.1.7"));
        SyncReport report = reconciler.apply(changes, () -> {
            throw new AssertionError("a host change must not ask for the whole state");
        });
        assertThat(report.failed()).isEmpty();
        assertThat(report.changed()).isTrue();
        assertThat(pidOf("br100")).isEqualTo(p1);
        assertThat(sim.commands()).extracting(io.factnet.node.exec.Command::argv)
                .containsExactly(List.of("kill", "-HUP", Long.toString(p1)));
        assertThat(sim.processes().query("10.0.0.1", "web-1.novalocal")).contains("A 10.0.1.5");
        assertThat(sim.processes().query("10.0.0.1", "db-1")).contains("A 10.0.1.7");
        assertThat(sim.processes().query("10.0.0.1", "vm-one.novalocal")).as("the old name is gone").contains("NXDOMAIN");
        assertThat(Files.readString(folder.resolve("addressing/br100/dns-hosts"))).isEqualTo("""
                10.0.1.5 web-1.novalocal web-1
                10.0.1.6 vm-two-example.novalocal vm-two-example
                10.0.1.7 db-1.novalocal db-1
                """);
        assertThat(reconciler.sync(new TreeMap<>(merged(sample(), changes)), true).changed())
                .as("a whole sync agrees with the increment").isFalse();
    }

    private static SortedMap<String, AddressingEntry> merged(SortedMap<String, AddressingEntry> base, Map<String, AddressingEntry> changes) {
        SortedMap<String, AddressingEntry> out = new TreeMap<>(base);
        out.putAll(changes);
        return out;
    }

    @Test
    void startsOneDnsmasqPerNetworkAndReloadsOnlyWhatChanged() {
        SyncReport first = reconciler.sync(sample(), true);
        assertThat(first.changed()).isTrue();
        assertThat(first.counts()).containsEntry("networks", 2L).containsEntry("hosts", 3L);
        Map<Long, SimProcesses.Process> running = sim.processes().processes();
        assertThat(running).hasSize(2);
        long p1 = pidOf("br100");
        assertThat(running.get(p1).hosts).containsExactly("fa:16:3e:00:00:05,vm-one,10.0.1.5", "fa:16:3e:00:00:06,vm-two-example,10.0.1.6");

        sim.clearCommands();
        assertThat(reconciler.sync(sample(), false).changed()).isFalse();
        assertThat(reconciler.sync(sample(), true).changed()).isFalse();
        assertThat(sim.commands()).noneMatch(c -> c.program().equals("dnsmasq") || c.program().equals("kill"));

        SortedMap<String, AddressingEntry> more = sample();
        more.put("host/p1/vm3", dhcpHost("p1", "fa:16:3e:00:00:07", "vm3", "10.0.1.7"));
        assertThat(reconciler.sync(more, false).changed()).isTrue();
        assertThat(pidOf("br100")).as("a new host is a SIGHUP, not a restart").isEqualTo(p1);
        assertThat(running.get(p1).hostsReads).isEqualTo(2);
        assertThat(running.get(p1).hosts).hasSize(3);

        more.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1", List.of("8.8.8.8"), "novalocal", 7200));
        reconciler.sync(more, false);
        assertThat(pidOf("br100")).as("new options need a restart").isNotEqualTo(p1);
        assertThat(running).hasSize(2);
    }

    @Test
    void aDeadDnsmasqIsRestartedAndARemovedNetworkStopsItsDnsmasq() {
        reconciler.sync(sample(), true);
        sim.processes().crash(pidOf("br101"));
        assertThat(reconciler.sync(sample(), true).changed()).isTrue();
        assertThat(sim.processes().processes()).hasSize(2);

        SortedMap<String, AddressingEntry> fewer = sample();
        fewer.remove("net/p2");
        fewer.remove("host/p2/db");
        assertThat(reconciler.sync(fewer, false).changed()).isTrue();
        assertThat(sim.processes().processes()).hasSize(1);
        assertThat(folder.resolve("addressing/br101")).doesNotExist();
    }

    @Test
    void aSighupThatFailedIsSentAgainThoughTheHostsFileIsAlreadyWritten() throws Exception {
        Path failFile = folder.resolve("fail");
        AddressingReconciler failing = new AddressingReconciler(sim.host(new FailureSwitch(sim, failFile)),
                folder.resolve("addressing"), "a1", false);
        failing.sync(sample(), true);
        long p1 = pidOf("br100");
        SortedMap<String, AddressingEntry> fewer = sample();
        fewer.remove("host/p1/vm2");

        Files.createFile(failFile);
        assertThat(failing.sync(fewer, false).failed()).as("br100's entries, retried").isNotEmpty()
                .allSatisfy(f -> assertThat(f.reason()).contains("failing on purpose"));
        assertThat(Files.readString(folder.resolve("addressing/br100/hosts"))).as("written before the SIGHUP failed")
                .doesNotContain("vm-two");
        Files.delete(failFile);
        assertThat(failing.sync(fewer, false).changed()).isTrue();
        assertThat(sim.processes().processes().get(p1).hosts).as("what dnsmasq serves")
                .containsExactly("fa:16:3e:00:00:05,vm-one,10.0.1.5");
        assertThat(failing.sync(fewer, true).changed()).isFalse();
    }

    @Test
    void anAgentStartedAgainReloadsOnlyTheDnsmasqsThatMissedTheirHosts() throws Exception {
        reconciler.sync(sample(), true);
        long p1 = pidOf("br100");
        sim.clearCommands();
        AddressingReconciler again = new AddressingReconciler(sim.host(), folder.resolve("addressing"), "a1", false);
        assertThat(again.sync(sample(), true).changed()).as("what each dnsmasq loaded is in its folder").isFalse();
        assertThat(sim.commands()).noneMatch(c -> c.program().equals("kill"));

        // the agent dies between writing the hosts file and the SIGHUP (here: the SIGHUP fails, then it is gone)
        Path failFile = folder.resolve("fail");
        AddressingReconciler dying = new AddressingReconciler(sim.host(new FailureSwitch(sim, failFile)),
                folder.resolve("addressing"), "a1", false);
        SortedMap<String, AddressingEntry> fewer = sample();
        fewer.remove("host/p1/vm2");
        Files.createFile(failFile);
        assertThat(dying.sync(fewer, false).failed()).as("br100's entries, retried").isNotEmpty()
                .allSatisfy(f -> assertThat(f.reason()).contains("failing on purpose"));
        Files.delete(failFile);
        AddressingReconciler restarted = new AddressingReconciler(sim.host(), folder.resolve("addressing"), "a1", false);
        assertThat(restarted.sync(fewer, true).changed()).isTrue();
        assertThat(pidOf("br100")).as("a SIGHUP, not a restart").isEqualTo(p1);
        assertThat(sim.processes().processes().get(p1).hosts).containsExactly("fa:16:3e:00:00:05,vm-one,10.0.1.5");
        assertThat(sim.commands()).filteredOn(c -> c.program().equals("kill")).as("one SIGHUP: only br100's dnsmasq missed its hosts")
                .singleElement().extracting(c -> c.argv()).isEqualTo(java.util.List.of("kill", "-HUP", Long.toString(p1)));
    }

    @Test
    void aHostThatLeavesItsHostsFileHasItsLeaseReleasedAtOnce() throws Exception {
        reconciler.sync(sample(), true);
        long p1 = pidOf("br100");
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:05")).contains("10.0.1.5");
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:06")).contains("10.0.1.6");
        Path leases = folder.resolve("addressing/br100/leases");
        assertThat(Files.readString(leases)).contains("fa:16:3e:00:00:06 10.0.1.6");
        sim.clearCommands();

        // vm2's fixed IP is released: its host entry goes (a change, applied incrementally)
        Map<String, AddressingEntry> released = new java.util.HashMap<>();
        released.put("host/p1/vm2", null);
        SyncReport report = reconciler.apply(released, () -> {
            throw new AssertionError("a host change must not ask for the whole state");
        });
        assertThat(report.changed()).isTrue();
        assertThat(report.failed()).isEmpty();
        assertThat(sim.commands()).extracting(io.factnet.node.exec.Command::argv).as("the hosts reloaded, then the lease freed")
                .containsExactly(List.of("kill", "-HUP", Long.toString(p1)),
                        List.of("dhcp_release", "br100", "10.0.1.6", "fa:16:3e:00:00:06"));
        assertThat(Files.readString(leases)).doesNotContain("10.0.1.6").contains("fa:16:3e:00:00:05 10.0.1.5");
        assertThat(folder.resolve("addressing/br100/releases-pending")).doesNotExist();

        // the address's next holder (after the hold-down) gets it at once, not after the old lease's expiry
        SyncReport given = reconciler.apply(Map.of("host/p1/vm3", dhcpHost("p1", "fa:16:3e:00:00:07", "vm3", "10.0.1.6")),
                () -> {
                    throw new AssertionError("a host change must not ask for the whole state");
                });
        assertThat(given.failed()).isEmpty();
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:07")).contains("10.0.1.6");

        // a host whose MAC changes loses the old MAC's lease; a host that stays keeps its own
        sim.clearCommands();
        reconciler.apply(Map.of("host/p1/vm1", dhcpHost("p1", "fa:16:3e:00:00:15", "VM One", "10.0.1.5")), () -> {
            throw new AssertionError("a host change must not ask for the whole state");
        });
        assertThat(sim.commands()).filteredOn(c -> c.program().equals("dhcp_release")).extracting(c -> c.argv())
                .containsExactly(List.of("dhcp_release", "br100", "10.0.1.5", "fa:16:3e:00:00:05"));
        assertThat(sim.processes().processes().get(p1).leases).isEqualTo(Map.of("10.0.1.6", "fa:16:3e:00:00:07"));
        sim.clearCommands();
        SortedMap<String, AddressingEntry> now = sample();
        now.remove("host/p1/vm2");
        now.put("host/p1/vm3", dhcpHost("p1", "fa:16:3e:00:00:07", "vm3", "10.0.1.6"));
        now.put("host/p1/vm1", dhcpHost("p1", "fa:16:3e:00:00:15", "VM One", "10.0.1.5"));
        assertThat(reconciler.sync(now, true).changed()).as("nothing left to release").isFalse();
        assertThat(sim.commands()).noneMatch(c -> c.program().equals("dhcp_release"));
    }

    @Test
    void aReleaseThatFailedIsKeptAndSentAgainAlsoByTheNextAgent() throws Exception {
        sim.ip().links().get("br100").addresses.add("10.0.0.1/20");
        reconciler.sync(sample(), true);
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:06")).contains("10.0.1.6");
        Path failFile = folder.resolve("fail");
        AddressingReconciler failing = new AddressingReconciler(sim.host(new FailureSwitch(sim, failFile)),
                folder.resolve("addressing"), "a1", false);
        failing.sync(sample(), true);
        SortedMap<String, AddressingEntry> fewer = sample();
        fewer.remove("host/p1/vm2");
        fewer.put("host/p1/vm3", dhcpHost("p1", "fa:16:3e:00:00:07", "vm3", "10.0.1.6"));

        Files.createFile(failFile);
        assertThat(failing.sync(fewer, false).failed()).as("br100's entries, retried").isNotEmpty()
                .allSatisfy(f -> assertThat(f.reason()).contains("failing on purpose"));
        assertThat(Files.readString(folder.resolve("addressing/br100/releases-pending"))).isEqualTo("fa:16:3e:00:00:06,10.0.1.6\n");
        Files.delete(failFile);
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:07")).as("the old lease still holds the address").isEmpty();

        // the agent that failed is gone; the next one finds the release pending in the network's folder
        AddressingReconciler restarted = new AddressingReconciler(sim.host(), folder.resolve("addressing"), "a1", false);
        SyncReport report = restarted.sync(fewer, true);
        assertThat(report.failed()).isEmpty();
        assertThat(report.changed()).isTrue();
        assertThat(folder.resolve("addressing/br100/releases-pending")).doesNotExist();
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:07")).contains("10.0.1.6");
    }

    @Test
    void theSimulatedDhcpReleaseParsesWhatItIsGivenAsTheRealOne() {
        sim.ip().links().get("br100").addresses.add("10.0.0.1/20");
        reconciler.sync(sample(), true);
        assertThat(sim.processes().request("br100", "fa:16:3e:00:00:05")).contains("10.0.1.5");
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "--version")).exitCode()).as("usage").isEqualTo(1);
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br9", "10.0.1.5", "fa:16:3e:00:00:05")).stderr())
                .contains("No such device");
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br100", "10.0.1.05", "fa:16:3e:00:00:05")).ok()).isFalse();
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br100", "10.0.1.5", "fa:16:3e:00:00")).ok()).isFalse();
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br100", "10.0.1.5", "fa:16:3e:00:00:06")).ok())
                .as("another MAC's release is sent, and ignored").isTrue();
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br101", "10.0.1.5", "fa:16:3e:00:00:05")).ok())
                .as("no address of br101 in the client's subnet: nothing is sent").isTrue();
        assertThat(sim.processes().processes().get(pidOf("br100")).leases).containsEntry("10.0.1.5", "fa:16:3e:00:00:05");
        assertThat(sim.run(io.factnet.node.exec.Command.of("dhcp_release", "br100", "10.0.1.5", "fa:16:3e:00:00:05")).ok()).isTrue();
        assertThat(sim.processes().processes().get(pidOf("br100")).leases).isEmpty();
    }

    @Test
    void rejectsHostsThatDoNotBelongAndSanitizesNames() {
        SortedMap<String, AddressingEntry> desired = sample();
        desired.put("host/p1/outside", dhcpHost("p1", "fa:16:3e:00:00:08", "x", "10.0.17.8"));
        desired.put("host/p1/zz-dup-mac", dhcpHost("p1", "fa:16:3e:00:00:05", "x", "10.0.1.9"));
        desired.put("host/p3/orphan", dhcpHost("p3", "fa:16:3e:00:00:09", "x", "10.0.1.10"));
        desired.put("host/p1/gw", dhcpHost("p1", "fa:16:3e:00:00:0a", "x", "10.0.0.1"));
        desired.put("host/p1/zz-same-name", dhcpHost("p1", "fa:16:3e:00:00:0b", "VM One", "10.0.1.11"));

        DhcpModelBuilder.Built built = DhcpModelBuilder.build(desired);

        assertThat(built.rejected()).extracting(SyncReport.Rejection::resource)
                .containsExactlyInAnyOrder("host/p1/outside", "host/p1/zz-dup-mac", "host/p3/orphan", "host/p1/gw");
        assertThat(DnsmasqFiles.hostsFile(built.model().networks().get(0))).contains("fa:16:3e:00:00:0b,host-10-0-1-11,10.0.1.11");
    }

    @Test
    void leaseCallbacksBecomeEventsOfTheNetworksProject() throws Exception {
        reconciler.sync(sample(), true);
        DnsmasqFiles files = new DnsmasqFiles(folder.resolve("addressing/br100").toAbsolutePath());
        // The real hook, run by a real shell as dnsmasq would, with a hostile host name.
        hook(files, "add", "fa:16:3e:00:00:05", "10.0.1.5", "vm1'; rm -rf / #");
        hook(files, "old", "fa:16:3e:00:00:06", "10.0.1.6");
        hook(files, "del", "fa:16:3e:00:00:05", "10.0.1.5");
        Files.writeString(files.events(), "add\tnot-a-mac\t10.0.1.5\tx\nadd\tfa:16:3e:00:00:05\t10.0.1.5\tpartial",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

        List<Map.Entry<String, Request>> published = new ArrayList<>();
        reconciler.pollEvents(event -> published.add(Map.entry(io.factnet.topics.RequestRoutes.keyOf(event), event)));

        assertThat(published).extracting(Map.Entry::getKey).containsOnly("p1");
        assertThat(published).extracting(e -> e.getValue().getCommand()).containsExactly(
                granted("10.0.1.5", "fa:16:3e:00:00:05", "vm1-rm-rf"),
                granted("10.0.1.6", "fa:16:3e:00:00:06", null),
                LeaseReleased.newBuilder().setNodeId("a1").setAddress("10.0.1.5").setMac("fa:16:3e:00:00:05").build());

        Files.writeString(files.events(), "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        published.clear();
        reconciler.pollEvents(event -> published.add(Map.entry(io.factnet.topics.RequestRoutes.keyOf(event), event)));
        assertThat(published).as("the line completed later is read once").hasSize(1);
    }

    private static LeaseGranted granted(String address, String mac, String hostname) {
        return LeaseGranted.newBuilder().setNodeId("a1").setAddress(address).setMac(mac).setHostname(hostname).build();
    }

    private static void hook(DnsmasqFiles files, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(files.hook().toString()));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    private long pidOf(String bridge) {
        return Long.parseLong(io.factnet.node.exec.StateFiles.read(folder.resolve("addressing/" + bridge + "/pid"))
                .orElseThrow().strip());
    }

}
