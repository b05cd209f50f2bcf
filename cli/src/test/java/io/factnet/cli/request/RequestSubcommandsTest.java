package io.factnet.cli.request;

import io.factnet.cli.client.Names;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.cli.Factnet;
import io.factnet.model.AddRule;
import io.factnet.model.AppliedAck;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The schema-to-command-line rule, without a broker: subcommands, options, types, defaults, usage errors. */
class RequestSubcommandsTest {

    private final CommandLine cli = Factnet.commandLine();
    private final StringWriter err = new StringWriter();

    RequestSubcommandsTest() {
        cli.setErr(new PrintWriter(err));
    }

    private CommandSpec request() {
        return cli.getSubcommands().get("request").getCommandSpec();
    }

    @Test
    void everyUnionBranchHasASubcommandAndEveryFieldAnOption() {
        List<Schema> commands = RequestCommand.commandSchemas();
        assertThat(commands).hasSizeGreaterThan(20);
        assertThat(request().subcommands().keySet())
                .containsExactlyInAnyOrderElementsOf(commands.stream().map(s -> Names.kebab(s.getName())).toList());
        for (Schema command : commands) {
            CommandSpec sub = request().subcommands().get(Names.kebab(command.getName())).getCommandSpec();
            for (Schema.Field field : command.getFields()) {
                OptionSpec option = sub.findOption(Names.option(field.name()));
                assertThat(option).as(command.getName() + "." + field.name()).isNotNull();
                boolean nullable = field.schema().getType() == Schema.Type.UNION;
                assertThat(option.required()).as(command.getName() + "." + field.name() + " required")
                        .isEqualTo(!field.hasDefaultValue() && !nullable);
                if (field.doc() != null) {
                    assertThat(String.join(" ", option.description())).contains(field.doc());
                }
            }
            assertThat(sub.findOption("--project").required())
                    .isEqualTo(!RequestRoutes.scopeOf(command.getName()).projectOptional());
            if (command.getDoc() != null) {
                assertThat(String.join(" ", sub.usageMessage().description())).isEqualTo(command.getDoc());
            }
        }
    }

    @Test
    void namesAreKebabCase() {
        assertThat(Names.kebab("AllocateFloatingIp")).isEqualTo("allocate-floating-ip");
        assertThat(Names.kebab("vpnPortFirst")).isEqualTo("vpn-port-first");
        assertThat(Names.kebab("DNSName")).isEqualTo("dns-name");
        assertThat(Names.kebab("ipv4Cidr")).isEqualTo("ipv4-cidr");
        assertThat(Names.option("sourceCidr")).isEqualTo("--source-cidr");
    }

    private Request parse(String... args) {
        CommandLine.ParseResult parsed = cli.parseArgs(args);
        RequestSubcommand sub = (RequestSubcommand) parsed.subcommand().subcommand().commandSpec().userObject();
        return sub.request();
    }

    @Test
    void arraysAreRepeatableAndCommaSeparatedAndPoolWideAdminDefaultsToTheAdminProject() {
        Request request = parse("request", "define-floating-pool", "--pool", "public",
                "--cidrs", "203.0.113.0/24,198.51.100.0/25", "--cidrs", "192.0.2.0/26", "--excluded", "203.0.113.1");
        DefineFloatingPool pool = (DefineFloatingPool) request.getCommand();
        assertThat(pool.getCidrs()).containsExactly("203.0.113.0/24", "198.51.100.0/25", "192.0.2.0/26");
        assertThat(pool.getRanges()).isEmpty();
        assertThat(pool.getExcluded()).containsExactly("203.0.113.1");
        assertThat(request.getProject()).isEqualTo(RequestRoutes.ADMIN_PROJECT);
        assertThat(request.getRequestId()).matches("[0-9a-f-]{36}");
    }

    @Test
    void theRegistrationANodePrintsParsesBackToTheSameCommand() {
        RegisterNode node = RegisterNode.newBuilder().setNodeId("node-1").setRoles(List.of(NodeRole.ROUTING, NodeRole.TUNNELING))
                .setPublicAddress("192.0.2.10").setVpnPortFirst(51820).setVpnPortLast(51829)
                .setPhysicalNetworks(List.of("physnet1", "physnet2")).setPublicKey("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=").build();
        String line = Names.commandLine(node);
        assertThat(line).startsWith("factnet request register-node --node-id node-1 --roles routing,tunneling")
                .contains(" --physical-networks physnet1,physnet2 --public-key xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=");
        String[] args = line.substring("factnet ".length()).split(" ");
        assertThat(parse(args).getCommand()).isEqualTo(node);
        RegisterNode plain = RegisterNode.newBuilder(node).setPhysicalNetworks(List.of()).setPublicKey(null).build();
        assertThat(Names.commandLine(plain)).doesNotContain("--physical-networks", "--public-key");
        assertThat(parse(Names.commandLine(plain).substring("factnet ".length()).split(" ")).getCommand()).isEqualTo(plain);
    }

    @Test
    void enumsAreCaseInsensitiveAndDefaultsComeFromTheSchema() {
        RegisterNode node = (RegisterNode) parse("request", "register-node", "--node-id", "n1", "--roles", "routing,Addressing",
                "--public-address", "192.0.2.10", "--request-id", "r-1").getCommand();
        assertThat(node.getRoles()).containsExactly(NodeRole.ROUTING, NodeRole.ADDRESSING);
        assertThat(node.getVpnPortFirst()).isEqualTo(51820);
        assertThat(node.getVpnPortLast()).isEqualTo(52819);

        CreateNetwork network = (CreateNetwork) parse("request", "create-network", "--project", "p1").getCommand();
        assertThat(network.getPhysicalNetwork()).isEqualTo("physnet1");
        assertThat(network.getDomain()).isEqualTo("novalocal");
        assertThat(network.getLeaseSeconds()).isEqualTo(3600);
        assertThat(network.getDnsServers()).isEmpty();
    }

    @Test
    void nullableFieldsAreOptionalAndTypedWhenGiven() {
        AddRule rule = (AddRule) parse("request", "add-rule", "--project", "p1", "--group", "web", "--protocol", "tcp",
                "--from-port", "80", "--to-port", "443", "--source-cidr", "0.0.0.0/0").getCommand();
        assertThat(rule.getProtocol()).isEqualTo(Protocol.TCP);
        assertThat(rule.getFromPort()).isEqualTo(80);
        assertThat(rule.getToPort()).isEqualTo(443);
        assertThat(rule.getIcmpType()).isNull();
        assertThat(rule.getSourceGroup()).isNull();
    }

    @Test
    void mapsTakeKeyValuePairsAndLongsAreLongs() {
        AppliedAck ack = (AppliedAck) parse("request", "applied-ack", "--node-id", "n1", "--role", "ROUTING", "--partition", "2",
                "--applied-offset", "9000000000", "--counts", "rules=12", "--counts", "sets=3").getCommand();
        assertThat(ack.getAppliedOffset()).isEqualTo(9_000_000_000L);
        assertThat(ack.getCounts()).isEqualTo(Map.of("rules", 12L, "sets", 3L));
        assertThat(ack.getError()).isNull();
    }

    private String failure(String... args) {
        int exit = cli.execute(args);
        assertThat(exit).as(err.toString()).isEqualTo(1);
        String printed = err.toString();
        assertThat(printed).doesNotContain("Exception").doesNotContain("\tat ");
        return printed;
    }

    @Test
    void usageErrorsAreOneClearLineAndExitOne() {
        assertThat(failure("request", "define-vlan-range", "--first", "abc", "--last", "200"))
                .contains("--first").contains("'abc' is not an int");
    }

    @Test
    void anUnknownEnumSymbolListsTheChoices() {
        assertThat(failure("request", "move-network", "--project", "p1", "--role", "switching", "--node-id", "n2"))
                .contains("'switching' is not one of ROUTING, ADDRESSING, BRIDGING, TUNNELING");
    }

    @Test
    void anUnknownCommandExitsOne() {
        assertThat(failure("request", "allocate-everything", "--project", "p1")).contains("allocate-everything");
    }

    @Test
    void aMissingRequiredOptionOrProjectExitsOne() {
        assertThat(failure("request", "allocate-floating-ip", "--project", "p1")).contains("--pool");
        assertThat(failure("request", "allocate-floating-ip", "--pool", "public")).contains("--project");
    }

    @Test
    void obviousSyntaxErrorsAreCaughtBeforeAnythingIsSent() {
        // no broker listens on port 1: the pre-check must fail first
        assertThat(failure("request", "define-supernet", "--cidr", "10.0.0.0/33", "--bootstrap-servers", "127.0.0.1:1"))
                .contains("--cidr").contains("prefix must be 0..32");
        assertThat(failure("request", "add-vpn-peer", "--project", "p1", "--public-key", "not-a-key",
                "--bootstrap-servers", "127.0.0.1:1")).contains("WireGuard public key");
        assertThat(failure("request", "define-floating-pool", "--pool", "x", "--ranges", "203.0.113.300-203.0.113.9",
                "--bootstrap-servers", "127.0.0.1:1")).contains("address range");
    }

    @Test
    void syntaxChecksAcceptWhatIsRight() {
        assertThat(SyntaxCheck.problem("cidr", "10.0.0.0/8")).isNull();
        assertThat(SyntaxCheck.problem("cidr", "fd00::/64")).isNull();
        assertThat(SyntaxCheck.problem("mac", "fa:16:3e:00:00:01")).isNull();
        assertThat(SyntaxCheck.problem("publicKey", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=")).isNull();
        assertThat(SyntaxCheck.problem("ranges", List.of("203.0.113.10-203.0.113.20"))).isNull();
        assertThat(SyntaxCheck.problem("address", "999.1.1.1")).contains("not an IP address");
        assertThat(SyntaxCheck.problem("pool", "anything")).isNull();
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        DurationConverter converter = new DurationConverter();
        assertThat(converter.convert("500ms").toMillis()).isEqualTo(500);
        assertThat(converter.convert("10s").toSeconds()).isEqualTo(10);
        assertThat(converter.convert("2m").toSeconds()).isEqualTo(120);
        assertThat(converter.convert("PT1S").toMillis()).isEqualTo(1000);
    }
}
