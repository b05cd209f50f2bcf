package io.factnet.node.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.Command;
import io.factnet.node.routing.RoutingReconciler;
import io.factnet.node.routing.RoutingReconcilerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The render driver's fault injection: a switch file makes every command fail like a broken tool, for as long as it exists. */
class FailureSwitchTest {
    @TempDir
    Path dir;

    @Test
    void commandsFailWhileTheFileExistsAndTheReconcilerRecoversOnceItIsGone() throws Exception {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        Path file = dir.resolve("fail");
        FailureSwitch failing = new FailureSwitch(sim, file);
        RoutingReconciler reconciler = new RoutingReconciler(sim.host(failing), dir.resolve("routing"), RoutingReconcilerTest.CONFIG);
        SortedMap<String, RoutingEntry> desired = new TreeMap<>(RoutingReconcilerTest.sample());
        reconciler.sync(desired, true);
        String applied = sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout();

        Files.createFile(file);
        assertThat(failing.run(Command.of("nft", "list", "ruleset")).exitCode()).isEqualTo(FailureSwitch.EXIT_CODE);
        assertThat(failing.run(Command.of("nft", "list", "ruleset")).stderr()).contains("failing on purpose while " + file);
        desired.remove("snat/p2");
        assertThatThrownBy(() -> reconciler.sync(desired, true)).hasMessageContaining("failing on purpose");
        assertThat(sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout())
                .as("the last good state stays").isEqualTo(applied);

        Files.delete(file);
        assertThat(reconciler.sync(desired, true).changed()).isTrue();
        assertThat(sim.run(Command.of("nft", "list", "table", "ip", "factnet")).stdout())
                .doesNotContain("10.0.16.0/20").contains("10.0.0.0/20");
    }
}
