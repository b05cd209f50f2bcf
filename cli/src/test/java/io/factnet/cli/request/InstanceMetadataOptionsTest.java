package io.factnet.cli.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.cli.Factnet;
import io.factnet.model.SetInstanceMetadata;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** set-instance-metadata's options, made from the schema's fields as every other command's (ADR 0033). */
class InstanceMetadataOptionsTest {
    private final CommandLine cli = Factnet.commandLine();

    InstanceMetadataOptionsTest() {
        cli.setErr(new PrintWriter(new StringWriter()));
    }

    private SetInstanceMetadata parse(String... args) {
        CommandLine.ParseResult parsed = cli.parseArgs(args);
        RequestSubcommand sub = (RequestSubcommand) parsed.subcommand().subcommand().commandSpec().userObject();
        return (SetInstanceMetadata) sub.request().getCommand();
    }

    @Test
    void keysUserDataAndMetaComeFromTheirOptions() {
        SetInstanceMetadata command = parse("request", "set-instance-metadata", "--project", "p1", "--instance", "vm1",
                "--ssh-keys", "ssh-ed25519 AAAA alice@laptop", "--ssh-keys", "ssh-rsa BBBB bob",
                "--user-data", "#cloud-config\npackages: [nginx]\n", "--meta", "role=web", "--meta", "tier=front");
        assertThat(command.getInstance()).isEqualTo("vm1");
        assertThat(command.getSshKeys()).containsExactly("ssh-ed25519 AAAA alice@laptop", "ssh-rsa BBBB bob");
        assertThat(command.getUserData()).isEqualTo("#cloud-config\npackages: [nginx]\n");
        assertThat(command.getMeta()).containsExactlyInAnyOrderEntriesOf(Map.of("role", "web", "tier", "front"));
    }

    @Test
    void whatIsLeftOutIsEmpty() {
        SetInstanceMetadata command = parse("request", "set-instance-metadata", "--project", "p1", "--instance", "vm1");
        assertThat(command.getSshKeys()).isEmpty();
        assertThat(command.getUserData()).isEmpty();
        assertThat(command.getMeta()).isEmpty();
    }
}
