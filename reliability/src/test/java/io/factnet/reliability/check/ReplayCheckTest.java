package io.factnet.reliability.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Check 4's comparison of a node with its replay: it finds every kind of difference, and only those. */
class ReplayCheckTest {
    private static final String KERNEL = "# nftables\ntable ip factnet {\n\tchain a {\n\t\tdrop\n\t}\n}\n# links\nbr100 bridge up\n";

    @TempDir
    Path dir;

    @Test
    void equalKernelsHaveNoDifferences() {
        assertThat(ReplayCheck.kernelDifferences(KERNEL, KERNEL)).isEmpty();
    }

    @Test
    void aLineOnlyOneSideHasIsADifference() {
        assertThat(ReplayCheck.kernelDifferences(KERNEL + "br101 bridge up\n", KERNEL))
                .containsExactly("kernel: only the node has br101 bridge up");
        assertThat(ReplayCheck.kernelDifferences(KERNEL, KERNEL.replace("drop", "accept")))
                .containsExactly("kernel: only the node has drop", "kernel: only the replay has accept");
    }

    @Test
    void theSameLinesInAnotherOrderOrNumberAreADifference() {
        String reordered = "# nftables\ntable ip factnet {\n\tchain a {\n\t}\n\t\tdrop\n}\n# links\nbr100 bridge up\n";
        assertThat(ReplayCheck.kernelDifferences(KERNEL, reordered))
                .containsExactly("kernel: the same lines in another order or number, from line 4: the node has drop, the replay }");
        assertThat(ReplayCheck.kernelDifferences(KERNEL + "br100 bridge up\n", KERNEL)).singleElement()
                .isEqualTo("kernel: the same lines in another order or number, from line 9: the node has br100 bridge up, the replay nothing");
    }

    @Test
    void stateFilesAreComparedWithoutThePrivateKeyAndOtherFilesAreNot() throws Exception {
        Path node = dir.resolve("node");
        Path replay = dir.resolve("replay");
        write(node.resolve("tunneling/wg-p1.conf"), "[Interface]\nPrivateKey = node-key\nListenPort = 51820\n");
        write(replay.resolve("tunneling/wg-p1.conf"), "[Interface]\nPrivateKey = replay-key\nListenPort = 51820\n");
        write(node.resolve("addressing/br100/hosts"), "fa:16:3e:00:00:01,10.0.0.2\n");
        write(replay.resolve("addressing/br100/hosts"), "fa:16:3e:00:00:01,10.0.0.2\n");
        write(node.resolve("routing/factnet.nft"), "the last full script\n");
        write(replay.resolve("routing/factnet.nft"), "one full script\n");
        write(node.resolve("routing/commands.txt"), "every sync since the start\n");
        assertThat(ReplayCheck.compare(node, replay)).isEmpty();

        write(replay.resolve("addressing/br100/hosts"), "fa:16:3e:00:00:01,10.0.0.3\n");
        write(node.resolve("addressing/br102/hosts"), "\n");
        write(replay.resolve("routing/floating-addresses"), "198.51.100.7 10.0.0.2\n");
        write(replay.resolve("tunneling/wg-p1.conf"), "[Interface]\nPrivateKey = replay-key\nListenPort = 51821\n");
        assertThat(ReplayCheck.compare(node, replay)).containsExactly("addressing/br100/hosts: differs",
                "addressing/br102/hosts: only on the node", "routing/floating-addresses: only in the replay", "tunneling/wg-p1.conf: differs");
    }

    @Test
    void theFloatingAddressesJournalIsComparedByTheAssociationsItEndsWith() throws Exception {
        Path node = dir.resolve("node");
        Path replay = dir.resolve("replay");
        write(node.resolve("routing/floating-addresses"),
                "198.51.100.7 10.0.0.2\n198.51.100.8 10.0.0.3\n198.51.100.7 10.0.0.4\n198.51.100.8 -\n");
        write(replay.resolve("routing/floating-addresses"), "198.51.100.7 10.0.0.4\n");
        assertThat(ReplayCheck.compare(node, replay)).isEmpty();

        write(replay.resolve("routing/floating-addresses"), "198.51.100.7 10.0.0.2\n");
        assertThat(ReplayCheck.compare(node, replay)).containsExactly("routing/floating-addresses: differs");
    }

    private static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
