package io.factnet.cli.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.cli.Factnet;
import io.factnet.model.AddRule;
import io.factnet.model.Direction;
import io.factnet.model.Protocol;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** add-rule's direction and destination options, made from the schema's fields as every other option (issue 13, item 5). */
class EgressRuleOptionsTest {
    private final CommandLine cli = Factnet.commandLine();

    EgressRuleOptionsTest() {
        cli.setErr(new PrintWriter(new StringWriter()));
    }

    private AddRule parse(String... args) {
        CommandLine.ParseResult parsed = cli.parseArgs(args);
        RequestSubcommand sub = (RequestSubcommand) parsed.subcommand().subcommand().commandSpec().userObject();
        return (AddRule) sub.request().getCommand();
    }

    @Test
    void anEgressRuleTakesADirectionAndADestination() {
        AddRule rule = parse("request", "add-rule", "--project", "p1", "--group", "web", "--direction", "egress",
                "--protocol", "tcp", "--from-port", "80", "--to-port", "80", "--destination-cidr", "192.0.2.10/32");
        assertThat(rule.getDirection()).isEqualTo(Direction.EGRESS);
        assertThat(rule.getProtocol()).isEqualTo(Protocol.TCP);
        assertThat(rule.getDestinationCidr()).isEqualTo("192.0.2.10/32");
        assertThat(rule.getSourceCidr()).isNull();

        AddRule toGroup = parse("request", "add-rule", "--project", "p1", "--group", "web", "--direction", "EGRESS",
                "--protocol", "any", "--destination-group", "db");
        assertThat(toGroup.getDestinationGroup()).isEqualTo("db");
    }

    @Test
    void withoutADirectionARuleIsIngressAndAnUnknownDirectionIsAUsageError() {
        AddRule rule = parse("request", "add-rule", "--project", "p1", "--group", "web", "--protocol", "tcp",
                "--from-port", "22", "--to-port", "22", "--source-cidr", "0.0.0.0/0");
        assertThat(rule.getDirection()).isEqualTo(Direction.INGRESS);
        assertThat(rule.getDestinationCidr()).isNull();
        assertThatThrownBy(() -> parse("request", "add-rule", "--project", "p1", "--group", "web", "--direction", "outbound",
                "--protocol", "tcp")).isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("outbound");
    }
}
