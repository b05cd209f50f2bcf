package io.factnet.node.linux;

import static io.factnet.node.Entries.floating;
import static io.factnet.node.linux.LinuxLab.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.routing.PublicZone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
 * The routing node's public zone file (ADR 0032) served by a real authoritative DNS server, NSD, in a namespace: a
 * client namespace resolves a floating address's public name through it, and after an association change (the file
 * rewritten, NSD told to reload with SIGHUP) the new name and not the old one. Skipped without nsd.
 *
 * <pre>
 *   ns C (client, resolv.conf: 192.0.2.53) eth0 192.0.2.10 -- eth0 192.0.2.53 ns D (nsd, the operator's server)
 * </pre>
 */
class LinuxPublicZoneTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    LinuxLab lab;
    Path work;
    String server;
    String client;

    @BeforeEach
    void lab() throws Exception {
        Optional<String> unavailable = LinuxLab.unavailable();
        assumeTrue(unavailable.isEmpty(), () -> "Linux public zone test skipped: " + unavailable.orElse(""));
        assumeTrue(Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, "nsd"))),
                "Linux public zone test skipped: no nsd (Debian's nsd)");
        lab = new LinuxLab();
        work = Files.createTempDirectory("factnet-zone-" + lab.id + "-");
        server = lab.namespace("zd");
        client = lab.namespace("zc");
        lab.veth(server, "eth0", client, "eth0");
        lab.run(server, "ip", "address", "add", "192.0.2.53/24", "dev", "eth0");
        lab.run(server, "ip", "link", "set", "eth0", "up");
        lab.run(client, "ip", "address", "add", "192.0.2.10/24", "dev", "eth0");
        lab.run(client, "ip", "link", "set", "eth0", "up");
        lab.resolvConf(client, "nameserver 192.0.2.53\noptions timeout:1 attempts:3\n");
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
    void aFloatingAddressesPublicNameIsAnsweredByTheOperatorsServerFromTheZoneFileAndFollowsItsAssociation() throws Exception {
        PublicZone zone = new PublicZone(PublicZone.Settings.of("cloud.example"), work.resolve("routing"), Clock.systemUTC());
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("fip/203.0.113.10", floating("acme", "203.0.113.10", "10.20.0.2", "web-01"));
        desired.put("fip/203.0.113.11", floating("globex", "203.0.113.11", "10.20.16.2", "api"));
        assertThat(zone.sync(desired)).isTrue();

        CommandResult checked = lab.tryRun(null, "nsd-checkzone", "cloud.example", zone.file().toString());
        assertThat(checked.ok()).as("nsd-checkzone: " + checked.stdout() + checked.stderr()).isTrue();

        Path config = work.resolve("nsd.conf");
        Files.writeString(config, """
                server:
                    ip-address: 192.0.2.53
                    port: 53
                    do-ip6: no
                    username: ""
                    chroot: ""
                    zonesdir: "%1$s"
                    pidfile: "%1$s/nsd.pid"
                    zonelistfile: "%1$s/zone.list"
                    xfrdfile: "%1$s/xfrd.state"
                    xfrdir: "%1$s"
                    database: ""
                    logfile: "%1$s/nsd.log"
                    verbosity: 1
                remote-control:
                    control-enable: no
                zone:
                    name: "cloud.example"
                    zonefile: "%2$s"
                """.formatted(work, zone.file()));
        lab.spawn(server, "nsd", "-d", "-c", config.toString());

        assertThat(eventually(WAIT, () -> resolve("web-01.acme.cloud.example").contains("203.0.113.10")))
                .as("the public name, answered by nsd: " + StateFiles.read(work.resolve("nsd.log")).orElse("")).isTrue();
        assertThat(resolve("api.globex.cloud.example")).containsExactly("203.0.113.11");
        assertThat(resolve("web-02.acme.cloud.example")).isEmpty();

        // the floating address moves to web-02: the file is rewritten with a higher serial, nsd reloads it on SIGHUP
        String before = Files.readString(zone.file());
        Map<String, RoutingEntry> changes = new HashMap<>();
        changes.put("fip/203.0.113.10", floating("acme", "203.0.113.10", "10.20.0.3", "web-02"));
        assertThat(zone.apply(changes)).isTrue();
        assertThat(serial(Files.readString(zone.file()))).isGreaterThan(serial(before));
        long pid = Long.parseLong(Files.readString(work.resolve("nsd.pid")).strip());
        lab.run(server, "kill", "-HUP", Long.toString(pid));
        assertThat(eventually(WAIT, () -> resolve("web-02.acme.cloud.example").contains("203.0.113.10")))
                .as("the new name after the reload").isTrue();
        assertThat(resolve("web-01.acme.cloud.example")).as("the old name is gone").isEmpty();
    }

    private static long serial(String zoneFile) {
        return zoneFile.lines().filter(l -> l.startsWith("@ IN SOA ")).map(l -> Long.parseLong(l.split(" ")[5])).findFirst()
                .orElseThrow();
    }

    /** The addresses the client's resolver gives for a name (getent through its resolv.conf); empty: not found. */
    private List<String> resolve(String name) {
        CommandResult result = lab.tryRun(client, "getent", "ahostsv4", name);
        assertThat(result.exitCode()).as("getent ahostsv4 " + name + ": " + result.stderr()).isIn(0, 2);
        return result.stdout().lines().map(line -> line.split("\\s+")[0]).distinct().toList();
    }
}
