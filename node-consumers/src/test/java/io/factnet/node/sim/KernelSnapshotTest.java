package io.factnet.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.node.exec.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canonical text of a simulated kernel: equal state prints equal text whatever order it was made in
 * (a node applies change by change, a replay in one go, in another JVM), and any difference of state shows.
 */
class KernelSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void iptablesSaveListsTheTablesInOneFixedOrder() {
        // The tables came from Map.of, whose order is drawn per JVM: a node agent's JVM and the replay's
        // listed the same empty tables in different orders (check 4 of the chaos campaign, 2 nodes of 3).
        String saved = new SimulatedHost().run(Command.of("iptables-save")).stdout();
        assertThat(saved).containsSubsequence("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n",
                "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
    }

    @Test
    void theSameStateMadeInAnotherOrderPrintsTheSame() throws Exception {
        SimulatedHost changeByChange = new SimulatedHost();
        run(changeByChange, "nft", "table ip factnet {\n set a {\n type ipv4_addr\n elements = { 10.0.0.2 }\n }\n"
                + " chain b {\n ip saddr @a accept\n }\n}\n");
        run(changeByChange, "nft", "add element ip factnet a { 10.0.0.1 }\ntable ip factnet {\n chain a {\n drop\n }\n}\n");
        run(changeByChange, "iptables-restore", "*nat\n:factnet-b - [0:0]\n:factnet-a - [0:0]\n-A factnet-a -j RETURN\nCOMMIT\n");
        changeByChange.ip().addLink("br2", "bridge").addresses.add("10.0.0.1/24");
        changeByChange.ip().addLink("br1", "bridge");

        SimulatedHost inOneGo = new SimulatedHost();
        run(inOneGo, "iptables-restore", "*filter\nCOMMIT\n*nat\n:factnet-a - [0:0]\n:factnet-b - [0:0]\n-A factnet-a -j RETURN\nCOMMIT\n");
        run(inOneGo, "nft", "table ip factnet {\n set a {\n type ipv4_addr\n elements = { 10.0.0.1, 10.0.0.2 }\n }\n"
                + " chain a {\n drop\n }\n chain b {\n ip saddr @a accept\n }\n}\n");
        inOneGo.ip().addLink("br1", "bridge");
        inOneGo.ip().addLink("br2", "bridge").addresses.add("10.0.0.1/24");

        String root = dir.toString();
        assertThat(changeByChange.snapshot(root)).isEqualTo(inOneGo.snapshot(root))
                .contains("elements = { 10.0.0.1, 10.0.0.2 }", ":factnet-a - [0:0]", "-A factnet-a -j RETURN", "br2 bridge");

        run(inOneGo, "nft", "add element ip factnet a { 10.0.0.3 }\n");
        assertThat(changeByChange.snapshot(root)).as("a set element more").isNotEqualTo(inOneGo.snapshot(root));
    }

    @Test
    void theOrderOfRulesIsStateAndShows() throws Exception {
        SimulatedHost one = new SimulatedHost();
        run(one, "nft", "table ip factnet {\n chain a {\n ip saddr 10.0.0.1 accept\n drop\n }\n}\n");
        SimulatedHost other = new SimulatedHost();
        run(other, "nft", "table ip factnet {\n chain a {\n drop\n ip saddr 10.0.0.1 accept\n }\n}\n");
        assertThat(one.snapshot(dir.toString())).isNotEqualTo(other.snapshot(dir.toString()));
    }

    private void run(SimulatedHost host, String tool, String script) throws Exception {
        Path file = Files.createTempFile(dir, tool, ".txt");
        Files.writeString(file, script);
        var result = tool.equals("nft") ? host.run(Command.of("nft", "-f", file.toString()))
                : host.run(Command.of("iptables-restore", "--noflush", file.toString()));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
    }
}
