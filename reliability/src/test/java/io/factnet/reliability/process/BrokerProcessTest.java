package io.factnet.reliability.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process control the chaos scenarios stand on: start, wait for a line, kill -9, restart, clean up. */
class BrokerProcessTest {
    @TempDir
    Path dir;
    final Children children = new Children();

    @AfterEach
    void cleanUp() {
        children.close();
        assertThat(Children.liveInThisJvm()).as("child processes left alive").isZero();
    }

    @Test
    void aChildThatExitsBeforePrintingTheLineFailsTheWaitAtOnceWithItsLog() {
        ChildJvm child = children.start(new ChildJvm.Spec("no-dir", List.of("broker"), dir.resolve("no-dir.log")));
        long began = System.nanoTime();
        assertThatThrownBy(() -> child.awaitLine(Pattern.compile("ready"), Duration.ofSeconds(60)))
                .hasMessageContaining("exited with 1")
                .hasMessageContaining("Missing required option: '--dir");
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void theBrokerComesBackAfterKillMinus9AtTheSameAddressWithItsTopics() throws Exception {
        BrokerProcess broker = BrokerProcess.start(children, dir, 2);
        String bootstrap = broker.bootstrapServers();
        long firstPid = broker.jvm().pid();
        broker.kill();
        assertThat(broker.isAlive()).isFalse();
        broker.restart();
        assertThat(broker.jvm().pid()).isNotEqualTo(firstPid);
        assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertThat(admin.listTopics().names().get()).contains("factnet.requests", "factnet.results");
        }
        assertThat(broker.lostDataWarnings()).isEmpty();
        assertThat(broker.stop()).isEqualTo(143);
    }
}
