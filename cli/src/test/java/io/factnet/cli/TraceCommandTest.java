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

    @BeforeAll
    static void cloud() throws Exception {
        cloud = ControllerCloud.start(dir, SCOPE, 2, Map.of());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineVlanRange.newBuilder().setFirst(100).setLast(199).build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, DefineFloatingPool.newBuilder().setPool("public")
                .setRanges(List.of("203.0.113.10-203.0.113.20")).build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("n1")
                .setRoles(List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING)).setPublicAddress("198.51.100.1")
                .setUnderlayAddress("192.0.2.1").build());
        cloud.send("p1", CreateNetwork.newBuilder().build());
        cloud.send(RequestRoutes.ADMIN_PROJECT, RegisterNode.newBuilder().setNodeId("c1").setRoles(List.of(NodeRole.BRIDGING))
                .setPublicAddress("198.51.100.11").setUnderlayAddress("192.0.2.2").build());
        cloud.send("p1", CreateSecurityGroup.newBuilder().setName("web").build());
        cloud.send("p1", CreateSecurityGroup.newBuilder().setName("db").build());
        cloud.send("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                .setSourceCidr("0.0.0.0/0").build());
        cloud.send("p1", AddRule.newBuilder().setGroup("db").setProtocol(Protocol.TCP).setFromPort(5432).setToPort(5432)
                .setSourceGroup("web").build());
        web = cloud.send("p1", AllocateFixedIp.newBuilder().setInstance("web1").setGroup("web").setMac("fa:16:3e:00:00:01")
                .setHost("c1").build()).getAddress();
        db = cloud.send("p1", AllocateFixedIp.newBuilder().setInstance("db1").setGroup("db").setMac("fa:16:3e:00:00:02")
                .build()).getAddress();
        floating = cloud.send("p1", AllocateFloatingIp.newBuilder().setPool("public").build()).getAddress();
        cloud.send("p1", AssociateFloatingIp.newBuilder().setAddress(floating).setInstance("web1").build());
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
        assertThat(run.err()).isEmpty();

        CliCapture refused = trace("--from", "198.51.100.7", "--to", floating, "--tcp", "8080");
        assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(refused.out()).contains("DROPPED: dropped on n1 at forward").containsPattern("(?m)^n1 .*group_\\w+ \\(p1/web\\) +drop +- +drop$");

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
            assertThat(hop.get("rule").asText()).endsWith("tcp dport 5432 accept");
        });

        CliCapture back = trace("--from-instance", "db1", "--to-instance", "web1", "--project", "p1", "--tcp", "5432");
        assertThat(back.exit()).as(back.out() + back.err()).isEqualTo(TraceCommand.EXIT_DROPPED);
        assertThat(back.out()).contains("(p1/web)").contains("DROPPED: ");
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
