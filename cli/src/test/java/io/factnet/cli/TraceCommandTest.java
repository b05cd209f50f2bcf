package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.RegisterNode;
import io.factnet.topics.RequestRoutes;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.CreateVpn;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.runtime.KafkaNodeEvents;
import io.factnet.node.runtime.NodeEvents;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.util.Base64;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet trace} against the real controller on the embedded broker, with no node running: the node topics the
 * controller wrote are the whole input. One network host ("n1": routing, addressing, bridging; public 198.51.100.1) and
 * a compute host ("c1", bridging), project p1 with web1 (group web: tcp 22 from anywhere) on c1 and db1 (group db: tcp
 * 5432 from group web) on n1, a floating address on web1.
 */
class TraceCommandTest {
    private static final String SCOPE = "trace-command-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ControllerCloud cloud;
    static String web;
    static String db;
    static String floating;
    static String associateRequest;
    static String webRuleRequest;
    static String dbRuleRequest;
    static String vpnClient;

    @BeforeAll
    static void cloud() throws Exception {
        cloud = ControllerCloud.start(dir, SCOPE, 2, Map.of());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineFloatingPool.newBuilder().setPool("public")
                .setRanges(List.of("203.0.113.10-203.0.113.20")).build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("n1")
                .setRoles(List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING, NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.1")
                .setUnderlayAddress("192.0.2.1").build());
        cloud.send("p1", CreateNetwork.newBuilder().build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("c1").setRoles(List.of(NodeRole.BRIDGING))
                .setPublicAddress("198.51.100.11").setUnderlayAddress("192.0.2.2").build());
        cloud.send("p1", CreateSecurityGroup.newBuilder().setName("web").build());
        cloud.send("p1", CreateSecurityGroup.newBuilder().setName("db").build());
        cloud.send("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        webRuleRequest = cloud.lastRequestId();
        cloud.send("p1", AddRule.newBuilder().setGroup("db").setProtocol(Protocol.TCP).setFromPort(5432).setToPort(5432)
                .setSourceGroup("web").build());
        dbRuleRequest = cloud.lastRequestId();
        web = cloud.send("p1", AllocateFixedIp.newBuilder().setInstance("web1").setGroup("web").setMac("fa:16:3e:00:00:01")
                .setHost("c1").build()).getAddress();
        db = cloud.send("p1", AllocateFixedIp.newBuilder().setInstance("db1").setGroup("db").setMac("fa:16:3e:00:00:02")
                .build()).getAddress();
        floating = cloud.send("p1", AllocateFloatingIp.newBuilder().setPool("public").build()).getAddress();
        cloud.send("p1", AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("web1").build());
        associateRequest = cloud.lastRequestId();
        cloud.send("p1", CreateVpn.newBuilder().build());
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i + 1);
        }
        vpnClient = Ipv4Cidr.parseNetworkOrAddress(cloud.send("p1", AddVpnPeer.newBuilder()
                .setPublicKey(Base64.getEncoder().encodeToString(key)).build()).getAddress()).address().toString();
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }

    /** The nodes' settings as the operator runs them: untagged L2 on physnet1 over VXLAN, public interface pub0. */
    private static CliCapture trace(String... args) {
        List<String> all = new ArrayList<>(List.of("trace"));
        all.addAll(List.of(args));
        all.addAll(List.of("--l2", "physnet1=vxlan", "--public-interface", "pub0"));
        return cloud.factnet(all.toArray(String[]::new));
    }

    @Test
    void aFloatingAddressFromOutsideIsDeliveredOnTheComputeHostAndAPortNotOpenedIsDropped() {
        CliCapture run = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "22");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("tcp 198.51.100.7:40000 -> " + floating + ":22, from outside",
                "dnat to ip daddr map @floating_dnat", "dnat " + floating + ":22 -> " + web + ":22",
                "(p1/web)", "tcp dport 22 accept", "out vxlan", "DELIVERED: delivered to instance " + web + " by port ",
                " on c1", "as it arrives: tcp 198.51.100.7:40000 -> " + web + ":22");
        assertThat(run.out()).containsPattern("(?m)^n1 +ip factnet +prerouting ").containsPattern("(?m)^c1 +inet factnet-groups +forward > group_");
        // the floating DNAT names the request that associated the address (its node entry carries it)
        assertThat(run.out()).containsPattern("(?m)^n1 +ip factnet +prerouting .*dnat " + floating.replace(".", "\\.") + ":22 -> .* accept +- +"
                + associateRequest + " *$");
        // web's rule (r1) names the AddRule that created it on both nodes, though allocations changed the group since
        assertThat(run.out()).containsPattern("(?m)^n1 +ip factnet +forward > group_\\w+ \\(p1/web\\) +tcp dport 22 accept comment \"rule r1\" "
                + "+- +accept +r1 +" + webRuleRequest + " *$");
        assertThat(run.out()).containsPattern("(?m)^c1 +inet factnet-groups +forward > group_\\w+ \\(p1/web\\) +tcp dport 22 accept "
                + "comment \"rule r1\" +- +accept +r1 +" + webRuleRequest + " *$");
        assertThat(run.err()).isEmpty();

        CliCapture refused = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "8080");
        assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(refused.out()).contains("DROPPED: dropped on n1 at forward").containsPattern("(?m)^n1 .*group_\\w+ \\(p1/web\\) +drop +- +drop +- +" + SCOPE + "-\\d+$");

        // web1's fixed address from outside: through the network's routing node, where web's rule opens 22 to anyone
        CliCapture fixed = trace("--from", "198.51.100.7", "--to", web, "--tcp", "22");
        assertThat(fixed.exit()).as(fixed.out() + fixed.err()).isZero();
        assertThat(fixed.out()).contains("from outside by pub0: " + web + " is in the network of ",
                "DELIVERED: delivered to instance " + web + " by port ");
    }

    @Test
    void eastWestAcrossHostsFollowsTheGroupsAsJsonLines() throws Exception {
        CliCapture run = trace("--from-instance", "web1", "--to-instance", "db1", "--project", "p1", "--tcp", "5432", "--json");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        JsonNode verdict = lines.get(lines.size() - 1);
        assertThat(verdict.get("verdict").asText()).isEqualTo("DELIVERED");
        assertThat(verdict.get("from").asText()).isEqualTo("instance");
        assertThat(verdict.get("packet").asText()).isEqualTo("tcp " + web + ":40000 -> " + db + ":5432");
        assertThat(verdict.get("outcome").asText()).startsWith("delivered to instance " + db + " by port ").endsWith(" on n1");
        List<JsonNode> hops = lines.subList(0, lines.size() - 1);
        assertThat(hops).anySatisfy(hop -> {
            assertThat(hop.get("node").asText()).isEqualTo("c1");
            assertThat(hop.get("table").asText()).isEqualTo("bridge factnet-ports");
            assertThat(hop.get("rule").asText()).isEqualTo("iifname . ether saddr . ip saddr @ports accept");
        });
        assertThat(hops).anySatisfy(hop -> {
            assertThat(hop.get("node").asText()).isEqualTo("n1");
            assertThat(hop.get("chainNames").toString()).isEqualTo("[\"p1/db\"]");
            assertThat(hop.get("rule").asText()).endsWith("tcp dport 5432 accept comment \"rule r1\"");
            // the group's filter entry, the group rule that matched and the AddRule that created it (not the
            // allocations that changed the group since)
            assertThat(hop.get("entry").asText()).contains("db");
            assertThat(hop.get("ruleId").asText()).isEqualTo("r1");
            assertThat(hop.get("requestId").asText()).isEqualTo(dbRuleRequest);
        });
        assertThat(hops).anySatisfy(hop -> {
            assertThat(hop.get("table").asText()).isEqualTo("bridge factnet-ports");
            assertThat(hop.get("rule").asText()).contains("@ports accept");
            assertThat(hop.get("entry").asText()).contains("web1");
        });

        CliCapture back = trace("--from-instance", "db1", "--to-instance", "web1", "--project", "p1", "--tcp", "5432");
        assertThat(back.exit()).as(back.out() + back.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(back.out()).contains("(p1/web)").contains("DROPPED: ");
    }

    @Test
    void aVpnClientComesOutOfTheTunnelOnTheNetworkHostAndTheGroupsDecide() {
        CliCapture run = trace("--from-vpn", "p1", "--to-instance", "web1", "--project", "p1", "--tcp", "22");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("tcp " + vpnClient + ":40000 -> " + web + ":22, from a VPN client",
                "from a VPN client by ", "(p1/web)", "DELIVERED: delivered to instance " + web + " by port ");
        assertThat(run.out()).containsPattern("(?m)^n1 +route +- +from a VPN client by \\S+ \\(10\\.");
        assertThat(run.err()).isEmpty();

        // db opens 5432 to group web only: a VPN client is not in it
        CliCapture db = trace("--from-vpn", "p1", "--to-instance", "db1", "--project", "p1", "--tcp", "5432");
        assertThat(db.exit()).as(db.out() + db.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(db.out()).contains("(p1/db)", "DROPPED: dropped on n1 at forward");

        // an address of the client range that no peer holds: WireGuard lets nothing in from it
        String range = vpnClient.substring(0, vpnClient.lastIndexOf('.') + 1);
        String stranger = range + (vpnClient.endsWith(".200") ? "201" : "200");
        CliCapture notAPeer = trace("--from-vpn", "p1", "--from", stranger, "--to-instance", "web1", "--project", "p1", "--tcp", "22");
        assertThat(notAPeer.exit()).as(notAPeer.out() + notAPeer.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(notAPeer.out()).contains("has " + stranger + " in its allowed IPs: WireGuard lets nothing in from it");

        assertThat(trace("--from-vpn", "p1", "--from", "198.51.100.7", "--to", web, "--tcp", "22").err())
                .contains("--from 198.51.100.7 is not in the VPN client range ");
        assertThat(trace("--from-vpn", "p9", "--to", web, "--tcp", "22").err()).contains("--from-vpn p9: the project has no VPN");
    }

    /**
     * --applied against acks written as the agents write them: first none (every node down), so the trace over the
     * acked state finds nothing and names what the verdict depends on; then every node acks the end of its partitions, and the
     * acked state decides as the desired one; then a rule opens tcp 2222 on web, nobody acks it, and the trace says the
     * floating address's 2222 is delivered by the desired state, dropped by the applied one, at n1's group chain, and
     * that n1 has not applied the group's entry (with the request that changed it).
     */
    @Test
    void appliedComparesWithWhatTheNodesAckedAndNamesWhatANodeHasNotApplied() throws Exception {
        // no agent has acked anything yet (as when every node is down): the applied state holds nothing
        CliCapture down = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "22", "--applied");
        assertThat(down.exit()).as(down.out() + down.err()).isEqualTo(TraceCommand.EXIT_APPLIED_DIFFERS);
        assertThat(down.out()).contains("applied (each node's records up to its last ack): DROPPED: no node owns " + floating,
                "n1 routing: never acked (not started, or down since before its first apply)", "c1 bridging: never acked",
                "not yet applied, request " + associateRequest + "), which this trace's desired verdict depends on");

        ackEverything();
        CliCapture acked = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "22", "--applied");
        assertThat(acked.exit()).as(acked.out() + acked.err()).isZero();
        assertThat(acked.out()).contains("applied (each node's records up to its last ack): DELIVERED: delivered to instance " + web,
                "the applied state gives the same verdict as the desired state", "n1 routing: acked offset ", "c1 bridging: acked offset ")
                .doesNotContain("not applied", "differs", "not reached");
        assertThat(acked.out()).containsPattern("(?m)^c1 +inet factnet-groups .* same$");

        cloud.send("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(2222).setToPort(2222)
                .setSourceCidr("0.0.0.0/0").build());
        String rule = cloud.lastRequestId();
        CliCapture lagging = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "2222", "--applied");
        assertThat(lagging.exit()).as(lagging.out() + lagging.err()).isEqualTo(TraceCommand.EXIT_APPLIED_DIFFERS);
        assertThat(lagging.out()).contains("DELIVERED: delivered to instance " + web,
                "applied (each node's records up to its last ack): DROPPED: dropped on n1 at forward",
                "the applied state gives ANOTHER verdict than the desired state (DELIVERED)",
                "changed, the older value applied, request " + rule + ")",
                "which this trace's desired verdict depends on");
        assertThat(lagging.out()).containsPattern("(?m)^n1 +ip factnet +forward > group_\\w+ \\(p1/web\\) +tcp dport 2222 accept .*"
                + rule + " +differs: forward > group_\\w+: drop -> drop$");
        assertThat(lagging.out()).containsPattern("(?m)^n1 has not applied \\S+ \\(changed, the older value applied, request " + rule);

        CliCapture json = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "2222", "--applied", "--json");
        String[] lines = json.out().strip().split("\n");
        JsonNode verdict = JSON.readTree(lines[lines.length - 1]).get("applied");
        assertThat(verdict.get("verdict").asText()).isEqualTo("DROPPED");
        assertThat(verdict.get("agrees").asBoolean()).isFalse();
        assertThat(verdict.get("dependsOnNotApplied").get(0).get("requestId").asText()).isEqualTo(rule);
    }

    /** Each node's ack of the end of each of its role partitions, as its agent sends after an apply. */
    private static void ackEverything() throws Exception {
        Map<String, List<NodeRole>> roles = Map.of("n1", List.of(NodeRole.ROUTING, NodeRole.BRIDGING, NodeRole.TUNNELING),
                "c1", List.of(NodeRole.BRIDGING));
        Map<String, Object> config = Map.of("bootstrap.servers", cloud.kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaNodeEvents events = new KafkaNodeEvents(config, InMemorySchemaRegistryClient.scope(SCOPE), "trace-test-acks")) {
            for (Map.Entry<String, List<NodeRole>> node : roles.entrySet()) {
                for (NodeRole role : node.getValue()) {
                    String topic = Topics.forRole(role).name();
                    TopicPartition partition = new TopicPartition(topic, NodeKeys.partition(node.getKey(),
                            consumer.partitionsFor(topic).size()));
                    long end = consumer.endOffsets(List.of(partition)).get(partition);
                    events.publish(NodeEvents.ack(node.getKey(), role, partition.partition(), end - 1, Map.of(), 1, null, null, null));
                }
            }
            events.flush();
        }
    }

    @Test
    void badInputIsOneClearErrorAndExitsOne() {
        assertThat(trace("--from", "198.51.100.700", "--to", floating, "--tcp", "22"))
                .satisfies(r -> assertThat(r.exit()).isEqualTo(1))
                .satisfies(r -> assertThat(r.err()).contains("--from 198.51.100.700 is not an IPv4 address"));
        assertThat(trace("--from", "198.51.100.7", "--to", floating).err()).contains("give one of --tcp PORT, --udp PORT and --icmp");
        assertThat(trace("--from", "198.51.100.7", "--to", floating, "--tcp", "22", "--icmp").exit()).isEqualTo(1);
        assertThat(trace("--from-instance", "web1", "--to", floating, "--tcp", "22").err())
                .contains("--from-instance and --to-instance need --project");
        assertThat(trace("--from-instance", "nope", "--to", floating, "--tcp", "22", "--project", "p1").err())
                .contains("--from-instance nope: project p1 has no instance of that name with a fixed IP");
        assertThat(trace("--from", "198.51.100.7", "--to", floating, "--tcp", "0").err()).contains("port 0 is not 1..65535");
    }
}
