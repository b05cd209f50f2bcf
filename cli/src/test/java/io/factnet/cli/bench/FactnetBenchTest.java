package io.factnet.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.cli.Factnet;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The whole benchmark with a tiny count: both halves run and every request is measured. Figures belong in docs/BENCHMARKS.md. */
class FactnetBenchTest {

    @TempDir
    Path dir;

    @Test
    void bothHalvesRunEndToEndAndEveryRequestIsMeasured() {
        CommandLine cli = Factnet.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        // two projects at full speed (64 requests each, the last cut short), one paced; two controllers on one machine
        int exit = cli.execute("bench", "--count", "100", "--partitions", "2", "--rate", "200", "--paced-count", "64",
                "--commit-interval", "50ms", "--controllers", "2", "--dir", dir.toString());

        String printed = out.toString();
        assertThat(exit).as(printed + err).isZero();
        assertThat(printed).contains("raw Kafka baseline: 100 requests", "factnet: 100 requests")
                .containsPattern("latency to result, full speed +p50 [\\d.]+ ms, p99 [\\d.]+ ms, max [\\d.]+ ms \\(100 samples\\)")
                .containsPattern("latency to result, at 200/s +p50 .* \\(64 samples\\)")
                .containsPattern("memory, CPU +controller-1: peak RSS [\\d,]+ MiB, CPU [\\d.]+ s")
                .containsPattern("memory, CPU +controller-2: peak RSS [\\d,]+ MiB, CPU [\\d.]+ s")
                .containsPattern("memory, CPU +node \\(routing,addressing,bridging\\): peak RSS")
                .containsPattern("ratio factnet/baseline: [\\d.]+")
                // CPU per request of every JVM, the bench JVM's split into broker and load driver threads
                .containsPattern("CPU µs per request, full speed: bench JVM \\(broker, load driver\\) \\d+, controller-1 \\d+,"
                        + " controller-2 \\d+, node \\(routing,addressing,bridging\\) \\d+, .*; in all \\d+\\."
                        + " The bench JVM's: broker threads \\d+, load driver threads [\\d.]+, GC/JIT/VM \\(no Java thread\\) \\d+"
                        + " \\(.*factnet-outcome-tracker [\\d.]+.*\\); the load driver asked for end offsets [\\d,]+ times")
                // records per request from the broker's segments: every request was written once to the request topics
                .containsPattern("records per request, from the broker's logs: [\\d.]+ in all = inputs [\\d.]+, outputs [\\d.]+,"
                        + " saga [\\d.]+, changelogs [\\d.]+, kafka internal [\\d.]+, markers [\\d.]+;")
                .containsPattern("records per request by topic: .*factnet.requests 1.00[ ,]")
                .containsPattern("records per request by topic: .*factnet.results 1.00 \\+[\\d.]+ markers")
                .doesNotContain("the scan found");
        // every request that changed the node is measured to its ack: networks, fixed IPs, associations (groups and
        // rules before a group's first instance, and floating allocations, change no node)
        long touching = RequestMix.DEFAULT.requests(100).stream().filter(r -> r.getCommand() instanceof CreateNetwork
                || r.getCommand() instanceof AllocateFixedIp || r.getCommand() instanceof AssociateFloatingIp).count();
        Matcher applied = Pattern.compile("latency to applied, full speed .*\\(([\\d,]+) samples\\)").matcher(printed);
        assertThat(applied.find()).as(printed).isTrue();
        assertThat(Long.parseLong(applied.group(1).replace(",", ""))).isEqualTo(touching);
    }
}
