package io.factnet.node.routing;

import static io.factnet.node.Entries.floating;
import static io.factnet.node.Entries.snat;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.RoutingEntry;
import io.factnet.node.References;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimulatedHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublicZoneTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T08:00:00Z"), ZoneOffset.UTC);
    static final long T0 = CLOCK.instant().getEpochSecond();

    @TempDir
    Path folder;

    static SortedMap<String, RoutingEntry> sample() {
        SortedMap<String, RoutingEntry> desired = new TreeMap<>();
        desired.put("snat/acme", snat("acme", "10.20.0.0/20"));
        desired.put("fip/203.0.113.1", floating("acme", "203.0.113.1", "10.20.0.2", "web-01"));
        desired.put("fip/203.0.113.2", floating("acme", "203.0.113.2", "10.20.0.3", "DB"));
        desired.put("fip/203.0.113.3", floating("Globex", "203.0.113.3", "10.20.16.2", "api"));
        return desired;
    }

    @Test
    void rendersAZoneFileOfTheFloatingAddressesNamesAsReviewed() {
        PublicZone zone = new PublicZone(PublicZone.Settings.of("cloud.example"), folder.resolve("routing"), CLOCK);
        zone.sync(sample());
        References.assertMatches("public-zone.txt", PublicZone.render(PublicZone.Settings.of("cloud.example"), 2026120501L,
                zone.names()));
    }

    @Test
    void writesTheZoneBesideTheRoleFoldersAndRaisesTheSerialOnlyWhenANameChanged() throws Exception {
        PublicZone zone = new PublicZone(PublicZone.Settings.of("cloud.example"), folder.resolve("routing"), CLOCK);
        assertThat(zone.file()).isEqualTo(folder.resolve("public-dns/cloud.example.zone").toAbsolutePath());
        assertThat(zone.sync(sample())).isTrue();
        String first = Files.readString(zone.file());
        assertThat(first).contains("@ IN SOA ns.cloud.example. hostmaster.cloud.example. " + T0 + " ")
                .contains("\nweb-01.acme IN A 203.0.113.1\n", "\ndb.acme IN A 203.0.113.2\n", "\napi.globex IN A 203.0.113.3\n");
        assertThat(Files.getPosixFilePermissions(zone.file())).as("the operator's DNS server reads it")
                .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);

        assertThat(zone.sync(sample())).as("same names: the file and its serial stay").isFalse();
        assertThat(zone.apply(Map.of("snat/acme", snat("acme", "10.20.0.0/19")))).as("not a floating address").isFalse();
        assertThat(Files.readString(zone.file())).isEqualTo(first);

        // the clock stands still here: the serial is one more than the last
        Map<String, RoutingEntry> changes = new HashMap<>();
        changes.put("fip/203.0.113.2", null);
        changes.put("fip/203.0.113.4", floating("acme", "203.0.113.4", "10.20.0.4", "cache"));
        assertThat(zone.apply(changes)).isTrue();
        String second = Files.readString(zone.file());
        assertThat(second).contains(" hostmaster.cloud.example. " + (T0 + 1) + " ").contains("\ncache.acme IN A 203.0.113.4\n")
                .doesNotContain("db.acme");

        // a node started again takes the serial on from its file, and a whole sync agrees with the changes
        PublicZone again = new PublicZone(PublicZone.Settings.of("cloud.example"), folder.resolve("routing"), CLOCK);
        SortedMap<String, RoutingEntry> now = sample();
        now.remove("fip/203.0.113.2");
        now.put("fip/203.0.113.4", changes.get("fip/203.0.113.4"));
        assertThat(again.sync(now)).isFalse();
        now.put("fip/203.0.113.1", floating("acme", "203.0.113.1", "10.20.0.9", "web-02"));
        assertThat(again.sync(now)).isTrue();
        assertThat(Files.readString(zone.file())).contains(" " + (T0 + 2) + " ").contains("\nweb-02.acme IN A 203.0.113.1\n")
                .doesNotContain("web-01");
    }

    @Test
    void aNameThatIsNoDnsLabelOrTakenIsLeftOutAndTheRestKept() {
        SortedMap<String, RoutingEntry> desired = sample();
        desired.put("fip/203.0.113.5", floating("acme", "203.0.113.5", "10.20.0.5", "web_1"));
        desired.put("fip/203.0.113.6", floating("acme", "203.0.113.6", "10.20.0.6", "a.b"));
        desired.put("fip/203.0.113.7", floating("acme", "203.0.113.7", "10.20.0.7", "Web-01"));
        desired.put("fip/203.0.113.8", floating("acme", "203.0.113.8", "10.20.0.8"));
        desired.put("fip/203.0.113.9", floating("p_1", "203.0.113.9", "10.20.0.9", "vm"));
        desired.put("fip/203.0.113.10", floating("acme", "203.0.113.10", "10.20.0.10", "-x"));
        PublicZone zone = new PublicZone(PublicZone.Settings.of("cloud.example"), folder.resolve("routing"), CLOCK);
        zone.sync(desired);
        Map<String, Ipv4Address> names = zone.names();
        assertThat(names).containsOnlyKeys("web-01.acme", "db.acme", "api.globex");
        assertThat(names.get("web-01.acme")).as("the first by floating address keeps the name")
                .isEqualTo(Ipv4Address.parse("203.0.113.1"));
        assertThat(zone.skipped()).containsExactlyInAnyOrder(
                "fip/203.0.113.10: instance -x of project acme is not a DNS name (one label each)",
                "fip/203.0.113.5: instance web_1 of project acme is not a DNS name (one label each)",
                "fip/203.0.113.6: instance a.b of project acme is not a DNS name (one label each)",
                "fip/203.0.113.7: name web-01.acme is 203.0.113.1's already",
                "fip/203.0.113.8: the entry names no instance (written before the field)",
                "fip/203.0.113.9: instance vm of project p_1 is not a DNS name (one label each)");
    }

    @Test
    void theRoutingNodeWritesTheZoneOnSyncAndOnEachAssociationChangeAndStillNatsTheUnnamed() throws Exception {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        Path zoneFile = folder.resolve("dns/cloud.zone");
        RoutingConfig config = RoutingReconcilerTest.CONFIG.withPublicZone(new PublicZone.Settings(
                new io.factnet.net.DomainName("cloud.example"), new io.factnet.net.DomainName("ns1.example.net"),
                new io.factnet.net.DomainName("dns-admin.example.net"), 600, Optional.of(zoneFile)));
        RoutingReconciler reconciler = new RoutingReconciler(sim.host(), folder.resolve("routing"), config);
        SortedMap<String, RoutingEntry> desired = sample();
        desired.put("fip/203.0.113.5", floating("acme", "203.0.113.5", "10.20.0.5", "web_1"));
        SyncReport report = reconciler.sync(desired, true);
        assertThat(report.notApplied()).as("a floating address without a public name is NATed all the same").isEmpty();
        assertThat(sim.ip().routes().stream().map(Object::toString)).anyMatch(r -> r.contains("203.0.113.5"));
        assertThat(Files.readString(zoneFile)).contains("$TTL 600\n", "@ IN SOA ns1.example.net. dns-admin.example.net. ",
                "@ IN NS ns1.example.net.\n", "\nweb-01.acme IN A 203.0.113.1\n").doesNotContain("203.0.113.5");

        // an association change goes in as a delta (ADR 0026) and the zone follows it
        Map<String, RoutingEntry> changes = new HashMap<>();
        changes.put("fip/203.0.113.1", null);
        changes.put("fip/203.0.113.6", floating("acme", "203.0.113.6", "10.20.0.6", "web-03"));
        reconciler.apply(changes, () -> {
            SortedMap<String, RoutingEntry> whole = new TreeMap<>(desired);
            whole.remove("fip/203.0.113.1");
            whole.put("fip/203.0.113.6", changes.get("fip/203.0.113.6"));
            return whole;
        });
        reconciler.apply(Map.of("fip/203.0.113.7", floating("acme", "203.0.113.7", "10.20.0.7", "web-04")), () -> {
            throw new AssertionError("an association change must not ask for the whole state");
        });
        assertThat(Files.readString(zoneFile)).contains("\nweb-03.acme IN A 203.0.113.6\n", "\nweb-04.acme IN A 203.0.113.7\n")
                .doesNotContain("web-01");
        assertThat(List.of(Files.readString(zoneFile).split("\n"))).filteredOn(l -> l.contains(" IN A ")).containsExactly(
                "api.globex IN A 203.0.113.3", "db.acme IN A 203.0.113.2", "web-03.acme IN A 203.0.113.6", "web-04.acme IN A 203.0.113.7");
    }
}
