package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.NodeRole;
import io.factnet.node.NodeConfig;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.routing.PublicZone;
import io.factnet.node.routing.RoutingConfig;
import io.factnet.node.tunneling.TunnelingConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NodeCommandTest {

    @Test
    void optionsBecomeTheNodesConfiguration() {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs("--role", "routing,addressing", "--role", "tunneling", "--node-id", "n1",
                "--registered-roles", "routing,addressing,bridging,tunneling",
                "--driver", "linux", "--netns", "router", "--public-address", "198.51.100.1", "--public-interface", "pub0",
                "--dmz-cidr", "192.0.2.0/24", "--firewall", "iptables", "--vlan-mode", "untagged",
                "--physical-interface", "eth1", "--physical-interface", "physnet2=eth2", "--wireguard", "userspace",
                "--interface-prefix", "t9", "--vpn-port-first", "50000", "--vpn-port-last", "50099",
                "--debounce", "250ms", "--resync", "1m", "--port-grace", "90s");

        NodeConfig config = command.config();

        assertThat(config.roles()).containsExactly(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.TUNNELING);
        assertThat(config.registeredRoles()).containsExactly(NodeRole.values());
        assertThat(config.driver()).isEqualTo(NodeConfig.Driver.LINUX);
        assertThat(config.netns()).contains("router");
        assertThat(config.stateDir().toString()).isEqualTo("/var/lib/factnet/n1");
        assertThat(config.routing().firewall()).isEqualTo(RoutingConfig.Firewall.IPTABLES);
        assertThat(config.routing().dmzCidrs()).hasSize(1);
        assertThat(config.bridging().vlanMode()).isEqualTo(BridgingConfig.VlanMode.UNTAGGED);
        assertThat(config.bridging().physicalInterfaces()).containsOnlyKeys("physnet1", "physnet2");
        assertThat(config.bridging().portGrace()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.tunneling()).isEqualTo(new TunnelingConfig("t9", TunnelingConfig.Implementation.USERSPACE));
        assertThat(List.of(config.vpnPortFirst(), config.vpnPortLast())).containsExactly(50000, 50099);
        assertThat(List.of(config.debounce(), config.resync())).containsExactly(Duration.ofMillis(250), Duration.ofMinutes(1));
        assertThat(config.failApplyWhile()).isEmpty();
        assertThat(command.metricsHost).as("the agents' metrics: this host only unless told").isEqualTo("127.0.0.1");
    }

    @Test
    void theL2OfEachPhysicalNetworkAndTheUnderlayAddressAreSettingsAndVxlanRefusesToStartWithoutTheAddress() {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs("--role", "bridging", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--physical-interface", "physnet1=eth1,physnet2=eth2", "--l2", "physnet1=vxlan", "--l2", "physnet2=untagged",
                "--underlay-address", "192.0.2.11", "--no-same-group-traffic");
        BridgingConfig bridging = command.config().bridging();
        assertThat(bridging.l2("physnet1")).isEqualTo(BridgingConfig.L2.VXLAN);
        assertThat(bridging.l2("physnet2")).isEqualTo(BridgingConfig.L2.UNTAGGED);
        assertThat(bridging.l2("physnet3")).as("not named: --vlan-mode's (tagged)").isEqualTo(BridgingConfig.L2.VLAN);
        assertThat(bridging.needsVlan()).as("every mapped physical network has its own L2").isFalse();
        assertThat(bridging.underlayAddress().orElseThrow().toString()).isEqualTo("192.0.2.11");
        assertThat(bridging.sameGroupTraffic()).isFalse();

        NodeCommand defaults = new NodeCommand();
        new CommandLine(defaults).parseArgs("--role", "bridging", "--node-id", "n1", "--public-address", "198.51.100.1");
        assertThat(defaults.config().bridging().sameGroupTraffic()).as("nova's default").isTrue();
        assertThat(defaults.config().bridging().underlayAddress()).isEmpty();

        NodeCommand noAddress = new NodeCommand();
        new CommandLine(noAddress).parseArgs("--role", "bridging", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--l2", "physnet1=vxlan");
        org.assertj.core.api.Assertions.assertThatThrownBy(noAddress::config).hasMessageContaining("--underlay-address");
        NodeCommand badAddress = new NodeCommand();
        new CommandLine(badAddress).parseArgs("--role", "bridging", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--underlay-address", "192.0.2.300");
        org.assertj.core.api.Assertions.assertThatThrownBy(badAddress::config).hasMessageContaining("--underlay-address 192.0.2.300");
        NodeCommand badMode = new NodeCommand();
        new CommandLine(badMode).parseArgs("--role", "bridging", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--l2", "physnet1=gre");
        org.assertj.core.api.Assertions.assertThatThrownBy(badMode::config).hasMessageContaining("[vlan, vxlan, untagged]");
    }

    @Test
    void theMetadataServerIsOffUnlessGivenAsAddressAndPortOrAPortOnTheNode() {
        NodeCommand none = new NodeCommand();
        new CommandLine(none).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1");
        assertThat(none.config().routing().metadataServer()).as("no DNAT unless given").isEmpty();

        NodeCommand given = new NodeCommand();
        new CommandLine(given).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--metadata-server", "10.0.0.2:8775");
        assertThat(given.config().routing().metadataServer().orElseThrow().toString()).isEqualTo("10.0.0.2:8775");
        NodeCommand local = new NodeCommand();
        new CommandLine(local).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--metadata-server", ":8775");
        assertThat(local.config().routing().metadataServer().orElseThrow().address()).isEmpty();
    }

    @Test
    void thePublicDnsZoneOfFloatingAddressesIsTheOperatorsChoice() {
        NodeCommand none = new NodeCommand();
        new CommandLine(none).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1");
        assertThat(none.config().routing().publicZone()).as("no zone unless given").isEmpty();

        NodeCommand given = new NodeCommand();
        new CommandLine(given).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--public-dns-zone", "cloud.example", "--public-dns-ttl", "600", "--public-dns-zone-file", "/srv/dns/cloud.zone");
        PublicZone.Settings zone = given.config().routing().publicZone().orElseThrow();
        assertThat(List.of(zone.zone().name(), zone.nameServer().name(), zone.hostmaster().name(), String.valueOf(zone.ttl())))
                .containsExactly("cloud.example", "ns.cloud.example", "hostmaster.cloud.example", "600");
        assertThat(zone.file()).contains(Path.of("/srv/dns/cloud.zone"));

        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("node", "--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--public-dns-zone", "Cloud_Example")).isNotZero();
        assertThat(err.toString()).contains("Cloud_Example");
    }

    @Test
    void theMetricsListenWhereTold() {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--metrics-port", "9401", "--metrics-host", "0.0.0.0");
        assertThat(List.of(command.metricsHost, String.valueOf(command.metricsPort))).containsExactly("0.0.0.0", "9401");
    }

    @Test
    void theFaultInjectionSwitchIsForTheRenderDriverOnly() {
        NodeCommand render = new NodeCommand();
        new CommandLine(render).parseArgs("--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.1",
                "--fail-apply-while", "/tmp/chaos/n1.fail");
        assertThat(render.config().failApplyWhile()).contains(Path.of("/tmp/chaos/n1.fail"));

        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("node", "--driver", "linux", "--role", "routing", "--node-id", "n1",
                "--public-address", "198.51.100.1", "--fail-apply-while", "/tmp/chaos/n1.fail");
        assertThat(exit).isNotZero();
        assertThat(err.toString().strip()).startsWith("factnet: --fail-apply-while is for the render driver");
    }

    @Test
    void aBadValueIsOneClearLine() {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("node", "--role", "routing", "--node-id", "n1", "--public-address", "198.51.100.300");

        assertThat(exit).isNotZero();
        assertThat(err.toString().strip()).startsWith("factnet: IPv4 address \"198.51.100.300\"").doesNotContain("Exception")
                .doesNotContain("\n");
    }
}
