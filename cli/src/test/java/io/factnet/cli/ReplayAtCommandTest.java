package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.ControllerConfig;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.Protocol;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet replay --at} against the real controller on the embedded broker: the node's state at a moment
 * rendered after the state changed is the very render taken at that moment; a moment older than the node topics keep
 * every record (their {@code min.compaction.lag.ms}, here one hour) is refused unless {@code --inexact}; bad moments.
 */
class ReplayAtCommandTest {
    private static final String SCOPE = "replay-at-command-test";
    private static final Duration KEPT = Duration.ofHours(1);

    @TempDir
    static Path dir;
    static ControllerCloud cloud;
    static String fixed;
    static String floating;
    /** A moment after the first state was made and before it changed. */
    static Instant t1;
    /** The plain replay rendered at {@link #t1}: the state then, as the node had it. */
    static Path renderedThen;

    @BeforeAll
    static void cloud() throws Exception {
        cloud = ControllerCloud.start(dir, SCOPE, 2, Map.of(ControllerConfig.NODE_HISTORY_MS, String.valueOf(KEPT.toMillis())));
        fixed = cloud.instanceOnNodeN1();
        floating = cloud.send("p1", AllocateFloatingIp.newBuilder().setPool("public").build()).getAddress();
        cloud.send("p1", AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("vm1").build());

        renderedThen = dir.resolve("then");
        CliCapture then = replay(renderedThen);
        assertThat(then.exit()).as(then.err()).isZero();
        t1 = Instant.now();
        // Node records carry their request's timestamp (ms): the changes below must be stamped after t1.
        awaitClockPast(t1);

        cloud.send("p1", DisassociateFloatingIp.newBuilder().setAddress(floating).build());
        cloud.send("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }

    private static CliCapture replay(Path to, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--role", "routing,addressing", "--node-id", "n1",
                "--to", to.toString()));
        args.addAll(List.of(more));
        return cloud.factnet(args.toArray(String[]::new));
    }

    private static void awaitClockPast(Instant moment) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Instant.now().toEpochMilli() <= moment.toEpochMilli()) {
            assertThat(System.nanoTime()).as("the clock did not move past %s", moment).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void theStateAtAMomentIsTheRenderTakenThenAndThePlainReplayIsTheCurrentOne() throws Exception {
        Path atT1 = dir.resolve("at-t1");
        CliCapture at = replay(atT1, "--at", t1.toString());
        Path current = dir.resolve("now");
        CliCapture now = replay(current);

        assertThat(at.exit()).as(at.err()).isZero();
        assertThat(at.err()).as("within the hour the topics keep: exact, no warning").isEmpty();
        assertThat(at.out()).containsPattern("routing of node n1 from factnet\\.node\\.routing-\\d at " + t1
                + ": \\d+ records read \\([1-9]\\d* stamped later, not applied\\)");
        assertThat(files(atT1)).as("every file of the render at t1 is the render taken at t1").isEqualTo(files(renderedThen));

        assertThat(now.exit()).as(now.err()).isZero();
        String then = Files.readString(atT1.resolve("routing/factnet.nft"));
        String today = Files.readString(current.resolve("routing/factnet.nft"));
        assertThat(then).contains(floating + " : " + fixed).doesNotContain("tcp dport 22 accept");
        assertThat(today).doesNotContain(floating + " : " + fixed).contains("tcp dport 22 accept");
    }

    @Test
    void aMomentOlderThanTheTopicsKeepEveryRecordIsRefusedUnlessInexact() throws Exception {
        Path refused = dir.resolve("refused");
        CliCapture old = replay(refused, "--at", "2h");
        assertThat(old.exit()).isEqualTo(ReplayCommand.EXIT_BEYOND_HISTORY);
        assertThat(old.err()).contains("older than the node topics keep every record", "min.compaction.lag.ms=" + KEPT.toMillis(),
                "--inexact").doesNotContain("Exception");
        assertThat(refused).as("nothing rendered").doesNotExist();

        Path inexact = dir.resolve("inexact");
        CliCapture anyway = replay(inexact, "--at", "2h", "--inexact");
        assertThat(anyway.exit()).as(anyway.err()).isZero();
        assertThat(anyway.err()).contains("warning", "min.compaction.lag.ms=" + KEPT.toMillis(), "rendering what is left");
        assertThat(Files.readString(inexact.resolve("routing/factnet.nft"))).as("nothing was placed two hours ago")
                .doesNotContain(floating);

        // What counts is the topic's config as the broker has it, the shortest of the roles read.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cloud.kafka.bootstrapServers()))) {
            ReplayAtCompactionTest.configure(admin, Topics.NODE_ROUTING.name(), Map.of("min.compaction.lag.ms", Duration.ofHours(3)));
            try {
                CliCapture routing = cloud.factnet("replay", "--role", "routing", "--node-id", "n1", "--to",
                        dir.resolve("routing-3h").toString(), "--at", "2h");
                assertThat(routing.exit()).as(routing.err()).isZero();
                assertThat(routing.err()).as("exact: no warning (only that nothing was placed then)")
                        .doesNotContain("warning", "older than").contains("nothing is placed on it");
                CliCapture both = replay(dir.resolve("both-3h"), "--at", "2h");
                assertThat(both.exit()).isEqualTo(ReplayCommand.EXIT_BEYOND_HISTORY);
                assertThat(both.err()).contains(Topics.NODE_ADDRESSING.name() + " has min.compaction.lag.ms=" + KEPT.toMillis());
            } finally {
                ReplayAtCompactionTest.configure(admin, Topics.NODE_ROUTING.name(), Map.of("min.compaction.lag.ms", KEPT));
            }
        }
    }

    @Test
    void aBadOrFutureMomentOrInexactAloneIsOneClearLineAndExitOne() {
        CliCapture word = replay(dir.resolve("bad"), "--at", "yesterday");
        assertThat(word.exit()).isEqualTo(1);
        assertThat(word.err()).contains("'yesterday' is neither an instant").doesNotContain("Exception");

        Instant later = Instant.now().plus(Duration.ofHours(1));
        CliCapture future = replay(dir.resolve("future"), "--at", later.toString());
        assertThat(future.exit()).isEqualTo(1);
        assertThat(future.err().strip()).startsWith("factnet: --at " + later + " is in the future").doesNotContain("\n");

        CliCapture alone = replay(dir.resolve("alone"), "--inexact");
        assertThat(alone.exit()).isEqualTo(1);
        assertThat(alone.err()).contains("--inexact goes with --at");
    }

    /**
     * Every file under a render folder, by relative path, with its content (the folder's own path in it as {@code <to>});
     * a command plan's lines sorted: the routing render applies the rule set and the routes side by side, so their
     * commands interleave differently from one run to the next.
     */
    static Map<String, String> files(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(file).replace(root.toString(), "<to>");
                boolean plan = file.getFileName().toString().equals("commands.txt");
                files.put(root.relativize(file).toString(), plan ? text.lines().sorted().toList().toString() : text);
            }
        }
        return files;
    }
}
