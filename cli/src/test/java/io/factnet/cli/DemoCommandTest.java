package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void demoProducesRequestsThroughTheRegistryAndReadsThemBack() {
        CommandLine cli = Factnet.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("demo", "--dir", dir.toString());

        String printed = out.toString();
        assertThat(exit).as(printed).isZero();
        assertThat(printed).containsPattern("bootstrap servers: +127\\.0\\.0\\.1:\\d+");
        assertThat(printed).containsPattern("schema registry url: +http://127\\.0\\.0\\.1:\\d+/apis/ccompat/v7");
        assertThat(printed).contains("<- factnet.admin-requests", "<- factnet.requests");
        for (String id : new String[] {"demo-1", "demo-2", "demo-3"}) {
            assertThat(printed.split("\n")).filteredOn(line -> line.startsWith("  <- ") && line.contains(id)).hasSize(1);
        }
    }

    @Test
    void unknownCommandIsOneLineAndNonZero() {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("no-such-command")).isNotZero();
        assertThat(err.toString()).contains("no-such-command").doesNotContain("Exception");
    }
}
