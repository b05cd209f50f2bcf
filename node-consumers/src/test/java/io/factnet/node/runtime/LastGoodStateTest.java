package io.factnet.node.runtime;

import static io.factnet.node.Entries.bridge;
import static io.factnet.node.Entries.dhcpHost;
import static io.factnet.node.Entries.dhcpNetwork;
import static io.factnet.node.Entries.peer;
import static io.factnet.node.Entries.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.AddressingEntry;
import io.factnet.model.BridgingEntry;
import io.factnet.model.TunnelingEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state an agent keeps on its node reads back as it was written, for every role, and only root reads it. */
class LastGoodStateTest {
    @TempDir
    Path dir;

    <V extends SpecificRecord> void roundTrip(String name, Class<V> type, SortedMap<String, V> entries) {
        LastGoodState<V> state = new LastGoodState<>(dir.resolve("last-good/" + name + ".avro"), type);
        assertThat(state.load()).isEmpty();
        state.saveLater(new LastGoodState.Snapshot<>(41, entries));
        state.close(); // waits for the writer
        LastGoodState.Snapshot<V> back = state.load().orElseThrow();
        assertThat(back.offset()).isEqualTo(41);
        assertThat(back.entries()).isEqualTo(entries);
    }

    @Test
    void everyRolesStateReadsBackWithoutTheRegistry() throws Exception {
        SortedMap<String, AddressingEntry> addressing = new TreeMap<>();
        addressing.put("net/p1", dhcpNetwork("p1", "br100", "10.0.0.0/20", "10.0.0.1", List.of("9.9.9.9"), "novalocal", 3600));
        addressing.put("host/p1/10.0.0.5", dhcpHost("p1", "fa:16:3e:00:00:05", "vm1", "10.0.0.5"));
        roundTrip("addressing", AddressingEntry.class, addressing);
        SortedMap<String, BridgingEntry> bridging = new TreeMap<>();
        bridging.put("bridge/p1", bridge("p1", "br100", 100, "10.0.0.1/20"));
        roundTrip("bridging", BridgingEntry.class, bridging);
        SortedMap<String, TunnelingEntry> tunneling = new TreeMap<>();
        tunneling.put("vpn/p1", tunnel("p1", "wg100", 51820, "10.0.15.1/24", "10.0.0.0/20",
                peer("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", "10.0.15.2/32")));
        roundTrip("tunneling", TunnelingEntry.class, tunneling);
        roundTrip("empty", TunnelingEntry.class, new TreeMap<>());

        assertThat(Files.getPosixFilePermissions(dir.resolve("last-good"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("last-good/tunneling.avro")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aFileThatCannotBeReadIsAnErrorNotAnEmptyState() throws Exception {
        Path file = dir.resolve("routing.avro");
        Files.writeString(file, "not avro");
        assertThatThrownBy(() -> new LastGoodState<>(file, BridgingEntry.class).load())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot read the last good state " + file);
    }
}
