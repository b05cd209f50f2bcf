package io.factnet.node.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A lab removes the namespaces a killed test JVM left behind, and only those. */
class LinuxLabTest {
    static void ip(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
    }

    @Test
    void namespacesOfAJvmThatIsGoneAreDeletedAndALivingOnesAreKept() throws Exception {
        assumeTrue(LinuxLab.unavailable().isEmpty(), () -> LinuxLab.unavailable().orElse(""));
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        ip("netns", "add", "fn-t-dead01");
        ip("netns", "add", "fn-t-live01");
        try {
            Files.createDirectories(LinuxLab.OWNERS);
            Files.writeString(LinuxLab.OWNERS.resolve("dead01"), Long.toString(ended.pid()));
            Files.writeString(LinuxLab.OWNERS.resolve("live01"), Long.toString(ProcessHandle.current().pid()));
            try (LinuxLab lab = new LinuxLab()) {
                String list = lab.run(null, "ip", "netns", "list").stdout();
                assertThat(list).doesNotContain("fn-t-dead01").contains("fn-t-live01");
                assertThat(LinuxLab.OWNERS.resolve("dead01")).doesNotExist();
                assertThat(LinuxLab.OWNERS.resolve(lab.id)).exists();
            }
        } finally {
            new ProcessBuilder("ip", "netns", "del", "fn-t-live01").start().waitFor();
            new ProcessBuilder("ip", "netns", "del", "fn-t-dead01").start().waitFor();
            Files.deleteIfExists(LinuxLab.OWNERS.resolve("live01"));
        }
    }
}
