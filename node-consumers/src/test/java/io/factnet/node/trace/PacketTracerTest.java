package io.factnet.node.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.node.bridging.BridgingReconcilerTest;
import io.factnet.node.exec.Command;
import io.factnet.node.routing.RoutingModelBuilder;
import io.factnet.node.routing.RoutingReconcilerTest;
import io.factnet.node.sim.SimulatedHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracer on the renderers' reviewed texts (reference/routing.nft and reference/ports.nft, which the renderers' own
 * tests hold them to), loaded into simulated kernels: a network host "net" (routing; block 10.0.0.0/20 on br100 and
 * 10.0.16.0/20 on br116, floating 198.51.100.10 -> 10.0.1.5) and a compute host "c1" whose port guard holds web
 * 10.0.1.5 (group 124c: same group, tcp 22, ping) and db 10.0.2.5 (group b159: same group, tcp 5432 from web; egress
 * udp 53 only), joined over VXLAN.
 */
class PacketTracerTest {
    /** web's tcp 22 rule as the renderers write it: with the comment naming its group rule. */
    static final String SSH = "tcp dport 22 accept comment \"rule r1\"";
    @TempDir
    Path folder;
    SimulatedHost net;
    SimulatedHost compute;
    PacketTracer tracer;

    @BeforeEach
    void cloud() throws IOException {
        net = new SimulatedHost();
        net.ip().addLink("pub0", "physical").addresses.add("198.51.100.1/24");
        net.ip().addLink("br100", "bridge").addresses.add("10.0.0.1/20");
        net.ip().addLink("br116", "bridge").addresses.add("10.0.16.1/20");
        net.ip().addLink("vxlan100", "vxlan").master = "br100";
        run(net, "ip", "route", "add", "local", "198.51.100.10/32", "dev", "pub0", "table", "local", "proto", "211");
        load(net, "routing.nft");
        net.sysctl().put("net.bridge.bridge-nf-call-iptables", "1");
        compute = new SimulatedHost();
        compute.ip().addLink("ul0", "physical").addresses.add("192.0.2.2/24");
        compute.ip().addLink("br100", "bridge");
        compute.ip().addLink("vxlan100", "vxlan").master = "br100";
        load(compute, "ports.nft");
        compute.sysctl().put("net.bridge.bridge-nf-call-iptables", "1");
        tracer = new PacketTracer(List.of(new PacketTracer.Node("net", net, "pub0"), new PacketTracer.Node("c1", compute, "ul0")));
    }

    @Test
    void aFloatingAddressIsDnatedFilteredByTheGroupOnBothNodesAndDelivered() {
        Trace trace = tracer.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 22));

        assertThat(trace.verdict()).isEqualTo(Trace.Verdict.DELIVERED);
        assertThat(trace.outcome()).isEqualTo("delivered to instance 10.0.1.5 by port tap3e000105 on c1");
        assertThat(trace.arrived().destination()).hasToString("10.0.1.5");
        assertThat(trace.hops()).contains(
                new Hop("net", "ip factnet", "prerouting", "dnat to ip daddr map @floating_dnat", "dnat 198.51.100.10:22 -> 10.0.1.5:22",
                        "accept"),
                new Hop("net", "ip factnet", "forward > group_124c787597c2b69d", SSH, "", "accept"),
                new Hop("net", "bridge", "br100", "out vxlan100 to c1", "", "continue"),
                new Hop("c1", "bridge factnet-ports", "prerouting", "iifname != @guarded accept", "", "accept"),
                new Hop("c1", "inet factnet-groups", "forward > group_124c787597c2b69d", SSH, "", "accept"));
        // the last hop is the delivery; nothing after a verdict
        assertThat(trace.hops().get(trace.hops().size() - 1).verdict()).isEqualTo("delivered");
    }

    @Test
    void aPortTheGroupDoesNotOpenIsDroppedOnTheRoutingNode() {
        Trace trace = tracer.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 8080));

        assertThat(trace.verdict()).isEqualTo(Trace.Verdict.DROPPED);
        assertThat(trace.outcome()).isEqualTo("dropped on net at forward");
        assertThat(trace.hops().get(trace.hops().size() - 1))
                .isEqualTo(new Hop("net", "ip factnet", "forward > group_124c787597c2b69d", "drop", "", "drop"));
    }

    @Test
    void pingThroughTheFloatingAddress() {
        Trace trace = tracer.fromOutside(Packet.ping("203.0.113.7", "198.51.100.10"));

        assertThat(trace.delivered()).as(trace.outcome()).isTrue();
        assertThat(trace.hops()).anyMatch(h -> h.node().equals("c1") && h.rule().equals("icmp type 8 accept comment \"rule r2\""));
    }

    @Test
    void eastWestOnOneComputeHostFollowsTheDestinationsGroup() {
        Trace allowed = tracer.fromInstance(Packet.tcp("10.0.1.5", "10.0.2.5", 5432));
        assertThat(allowed.verdict()).isEqualTo(Trace.Verdict.DELIVERED);
        assertThat(allowed.hops()).contains(
                new Hop("c1", "bridge factnet-ports", "prerouting", "iifname . ether saddr . ip saddr @ports accept", "", "accept"),
                new Hop("c1", "inet factnet-groups", "forward > group_b159507d52d38254", "ip saddr 10.0.1.0/24 tcp dport 5432 accept comment \"rule r1\"",
                        "", "accept"));

        Trace refused = tracer.fromInstance(Packet.tcp("10.0.1.5", "10.0.2.5", 22));
        assertThat(refused.verdict()).isEqualTo(Trace.Verdict.DROPPED);
        assertThat(refused.hops().get(refused.hops().size() - 1))
                .isEqualTo(new Hop("c1", "inet factnet-groups", "forward > group_b159507d52d38254", "counter drop", "", "drop"));

        // db's egress rules allow only udp 53 out: its own filter stops it before web's ingress is asked
        Trace egress = tracer.fromInstance(Packet.tcp("10.0.2.5", "10.0.1.5", 22));
        assertThat(egress.hops().get(egress.hops().size() - 1))
                .isEqualTo(new Hop("c1", "inet factnet-groups", "forward > egress_b159507d52d38254", "counter drop", "", "drop"));
    }

    @Test
    void anInstanceReachesTheInternetThroughTheGatewayWithItsFloatingAddressAsSource() {
        Trace trace = tracer.fromInstance(Packet.udp("10.0.1.5", "9.9.9.9", 53));

        assertThat(trace.verdict()).isEqualTo(Trace.Verdict.DELIVERED);
        assertThat(trace.outcome()).isEqualTo("leaves net by pub0 toward 9.9.9.9");
        assertThat(trace.arrived().source()).hasToString("198.51.100.10");
        assertThat(trace.hops()).contains(
                new Hop("c1", "bridge", "br100", "out vxlan100 to net", "", "continue"),
                new Hop("net", "bridge", "br100", "to this node's own address on br100", "", "continue"),
                new Hop("net", "ip factnet", "postrouting", "snat to ip saddr map @floating_snat", "snat 10.0.1.5 -> 198.51.100.10",
                        "accept"));
        // tcp 443 is in none of web's egress rules on the routing node
        Trace refused = tracer.fromInstance(Packet.tcp("10.0.1.5", "9.9.9.9", 443));
        assertThat(refused.outcome()).isEqualTo("dropped on net at forward");
    }

    @Test
    void theGatewayAnswersItsOwnNetworkOnly() {
        assertThat(tracer.fromInstance(Packet.udp("10.0.1.5", "10.0.0.1", 53)).outcome())
                .isEqualTo("delivered to node net (its address 10.0.0.1)");
        // an instance of the other block (no port guard there: on the gateway's node) is refused at input (ADR 0034)
        Trace other = tracer.fromInstance(Packet.udp("10.0.17.9", "10.0.0.1", 53));
        assertThat(other.verdict()).isEqualTo(Trace.Verdict.DROPPED);
        assertThat(other.hops().get(other.hops().size() - 1)).isEqualTo(new Hop("net", "ip factnet", "input",
                "ip saddr { 10.0.0.0/20, 10.0.16.0/20 } ip daddr { 10.0.0.0/20, 10.0.16.0/20 } drop", "", "drop"));
    }

    @Test
    void anInstancesFixedAddressFromOutsideEntersItsRoutingNodeAndTheGroupDecides() {
        Trace opened = tracer.fromOutside(Packet.tcp("203.0.113.7", "10.0.1.5", 22));
        assertThat(opened.verdict()).as(opened.outcome()).isEqualTo(Trace.Verdict.DELIVERED);
        assertThat(opened.outcome()).isEqualTo("delivered to instance 10.0.1.5 by port tap3e000105 on c1");
        assertThat(opened.hops().get(0)).isEqualTo(new Hop("net", "route", "-", "from outside by pub0: 10.0.1.5 is in the network "
                + "of br100 (where a router outside routes it to net)", "", "continue"));
        assertThat(opened.arrived().source()).as("not SNATed: it is not from the block").hasToString("203.0.113.7");

        Trace closed = tracer.fromOutside(Packet.tcp("203.0.113.7", "10.0.2.5", 5432));
        assertThat(closed.outcome()).as("db opens 5432 to web only").isEqualTo("dropped on net at forward");
    }

    @Test
    void aPortSendingAnotherAddressOrMacIsDroppedByThePortGuard() {
        Trace spoofed = tracer.fromPort(Packet.tcp("10.0.2.5", "10.0.1.5", 22), "c1", "tap3e000105", "fa:16:3e:00:01:05");
        assertThat(spoofed.outcome()).isEqualTo("dropped on c1 at tap3e000105 (the port guard)");
        assertThat(spoofed.hops().get(spoofed.hops().size() - 1))
                .isEqualTo(new Hop("c1", "bridge factnet-ports", "prerouting", "counter drop", "", "drop"));
        assertThat(tracer.fromPort(Packet.tcp("10.0.1.5", "10.0.2.5", 5432), "c1", "tap3e000105", "fa:16:3e:00:99:99").outcome())
                .isEqualTo("dropped on c1 at tap3e000105 (the port guard)");
        // its own MAC and address: as fromInstance
        assertThat(tracer.fromPort(Packet.tcp("10.0.1.5", "10.0.2.5", 5432), "c1", "tap3e000105", "fa:16:3e:00:01:05").delivered())
                .isTrue();
    }

    /**
     * A VPN client (ADR 0013: its address is in the block's VPN client range, 10.0.15.0/24 here, routed by the tunnel's
     * WireGuard interface on the network host) comes out of the tunnel and is routed into the bridge: the groups decide
     * as for anyone of the block; a source no peer's allowed IPs hold never gets out of the tunnel.
     */
    @Test
    void aVpnClientComesOutOfItsTunnelAndTheGroupsDecide() {
        net.ip().addLink("wvpn100", "wireguard").addresses.add("10.0.15.1/24");
        net.wireguard().device("wvpn100").peers.put("cGVlcg==", "10.0.15.2/32");

        Trace web = tracer.fromVpn(Packet.tcp("10.0.15.2", "10.0.1.5", 22));
        assertThat(web.verdict()).as(web.outcome()).isEqualTo(Trace.Verdict.DELIVERED);
        assertThat(web.outcome()).isEqualTo("delivered to instance 10.0.1.5 by port tap3e000105 on c1");
        assertThat(web.hops()).contains(
                new Hop("net", "route", "-", "from a VPN client by wvpn100 (10.0.15.1/24)", "", "continue"),
                new Hop("net", "route", "-", "10.0.1.5 dev br100", "", "continue"),
                new Hop("net", "ip factnet", "forward > group_124c787597c2b69d", SSH, "", "accept"));
        assertThat(web.arrived().source()).as("not SNATed inside the block").hasToString("10.0.15.2");

        Trace db = tracer.fromVpn(Packet.tcp("10.0.15.2", "10.0.2.5", 5432));
        assertThat(db.outcome()).as("db opens 5432 to web's subnet only").isEqualTo("dropped on net at forward");

        Trace stranger = tracer.fromVpn(Packet.tcp("10.0.15.9", "10.0.1.5", 22));
        assertThat(stranger.verdict()).isEqualTo(Trace.Verdict.DROPPED);
        assertThat(stranger.outcome()).isEqualTo("no peer of wvpn100 on net has 10.0.15.9 in its allowed IPs: WireGuard lets nothing "
                + "in from it");
        assertThatThrownBy(() -> tracer.fromVpn(Packet.tcp("10.9.0.2", "10.0.1.5", 22))).isInstanceOf(CannotEvaluate.class)
                .hasMessage("no traced node has a VPN tunnel whose client range holds 10.9.0.2");
    }

    /**
     * With the nodes' entries (the fixtures the reference texts are rendered from), a group chain's hop names the group
     * rule its comment gives and the AddRule request that created that rule; a rule with no id, or an id with no
     * request (entries older than those fields), falls back to the request that last wrote the group's filter.
     */
    @Test
    void aGroupRulesHopNamesTheRuleAndTheRequestThatCreatedIt() {
        PacketTracer withOrigins = new PacketTracer(List.of(
                new PacketTracer.Node("net", net, "pub0", Origins.of(RoutingReconcilerTest.sample())),
                new PacketTracer.Node("c1", compute, "ul0", Origins.of(BridgingReconcilerTest.computeHost()))));

        Trace ssh = withOrigins.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 22));
        assertThat(ssh.delivered()).as(ssh.outcome()).isTrue();
        assertThat(ssh.hops()).contains(
                new Hop("net", "ip factnet", "forward > group_124c787597c2b69d", SSH, "", "accept", "group/p1/web", "req-web-r1", "r1"),
                new Hop("c1", "inet factnet-groups", "forward > group_124c787597c2b69d", SSH, "", "accept", "group/p1/web",
                        "req-web-r1", "r1"));
        Trace ping = withOrigins.fromOutside(Packet.ping("203.0.113.7", "198.51.100.10"));
        assertThat(ping.hops()).contains(new Hop("net", "ip factnet", "forward > group_124c787597c2b69d",
                "icmp type 8 accept comment \"rule r3\"", "", "accept", "group/p1/web", "req-web-r3", "r3"));
        Trace toDb = withOrigins.fromInstance(Packet.tcp("10.0.1.5", "10.0.2.5", 5432));
        assertThat(toDb.hops()).contains(new Hop("c1", "inet factnet-groups", "forward > group_b159507d52d38254",
                "ip saddr 10.0.1.0/24 tcp dport 5432 accept comment \"rule r1\"", "", "accept", "group/p1/db", "req-db-r1", "r1"));

        // the closing drop is no group rule: the filter's entry and the request that last wrote it
        Trace closed = withOrigins.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 8080));
        assertThat(closed.hops().get(closed.hops().size() - 1)).isEqualTo(
                new Hop("net", "ip factnet", "forward > group_124c787597c2b69d", "drop", "", "drop", "group/p1/web", "req-p1", ""));
        // sealed's rule has an id but no request: the hop names the rule and falls back to the entry's request
        Origins sealed = Origins.of(RoutingReconcilerTest.sample());
        Hop hop = new Hop("net", "ip factnet", "forward > group_" + RoutingModelBuilder.chainId("p2", "sealed"),
                "tcp dport 443 accept comment \"rule r1\"", "", "accept");
        assertThat(sealed.of(hop, Packet.tcp("203.0.113.7", "10.0.17.9", 443), "pub0"))
                .contains(new Origins.Origin("group/p2/sealed", "p2", "req-p2", "r1"));
    }

    @Test
    void anAddressNoNodeOwnsReachesNothing() {
        Trace trace = tracer.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.99", 22));
        assertThat(trace.verdict()).isEqualTo(Trace.Verdict.DROPPED);
        assertThat(trace.outcome()).startsWith("no node owns 198.51.100.99");
        // an address of the block nobody has: no ARP answer
        assertThat(tracer.fromInstance(Packet.tcp("10.0.1.5", "10.0.3.3", 22)).outcome())
                .isEqualTo("no instance or node has 10.0.3.3 on br100 (nobody answers ARP for it)");
    }

    @Test
    void everyTableOnTheHookCountsAndAnUnknownRuleFormStopsTheTrace() throws IOException {
        Path foreign = folder.resolve("foreign.nft");
        Files.writeString(foreign, "table inet foreign {\n\tchain fwd {\n\t\ttype filter hook forward priority 10; policy accept;\n"
                + "\t\ttcp dport 22 drop\n\t}\n}\n");
        run(net, "nft", "-f", foreign.toString());
        Trace trace = tracer.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 22));
        assertThat(trace.outcome()).isEqualTo("dropped on net at forward");
        assertThat(trace.hops().get(trace.hops().size() - 1)).isEqualTo(new Hop("net", "inet foreign", "fwd", "tcp dport 22 drop", "", "drop"));

        Files.writeString(foreign, "delete table inet foreign\ntable inet foreign {\n\tchain fwd {\n"
                + "\t\ttype filter hook forward priority 10; policy accept;\n\t\tmeta mark 0x1 drop\n\t}\n}\n");
        run(net, "nft", "-f", foreign.toString());
        assertThatThrownBy(() -> tracer.fromOutside(Packet.tcp("203.0.113.7", "198.51.100.10", 22)))
                .isInstanceOf(CannotEvaluate.class).hasMessage("cannot evaluate rule \"meta mark 0x1 drop\": expression meta mark");
    }

    private void load(SimulatedHost host, String reference) throws IOException {
        Path file = folder.resolve(reference);
        try (InputStream in = PacketTracerTest.class.getResourceAsStream("/reference/" + reference)) {
            Files.writeString(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        run(host, "nft", "-f", file.toString());
    }

    private static void run(SimulatedHost host, String... argv) {
        var result = host.run(Command.of(argv));
        assertThat(result.ok()).as(result.stderr()).isTrue();
    }
}
