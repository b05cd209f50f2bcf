package io.factnet.reliability.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.NodeRole;
import io.factnet.reliability.check.NodeCatchUp.Agent;
import io.factnet.reliability.read.NodeEventsFollower.Ack;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeCatchUpTest {
    final Agent routing = new Agent("n1", NodeRole.ROUTING);
    final Agent addressing = new Agent("n1", NodeRole.ADDRESSING);

    static Ack ack(Agent agent, long offset, String error, long at) {
        return new Ack(agent.nodeId(), agent.role(), offset, error, 5, at);
    }

    @Test
    void anAgentHasCaughtUpWhenItsLatestAcksReachItsLastRecordWithoutError() {
        List<NodeCatchUp.Status> status = NodeCatchUp.status(Map.of(routing, 40L, addressing, 7L), List.of(
                ack(routing, 30, null, 100), ack(routing, 40, "apply failed: nft", 200), ack(routing, 40, null, 300),
                ack(routing, 41, null, 400),
                ack(addressing, 7, null, 150), ack(addressing, 7, "apply failed: dnsmasq", 250)));
        NodeCatchUp.Status r = status.stream().filter(s -> s.agent().equals(routing)).findFirst().orElseThrow();
        NodeCatchUp.Status a = status.stream().filter(s -> s.agent().equals(addressing)).findFirst().orElseThrow();
        assertThat(r.caughtUpAtMillis()).as("since the first ack of the final error-free run").contains(300L);
        assertThat(a.caughtUp()).as("its latest ack failed").isFalse();
        assertThat(a.toString()).contains("with error apply failed: dnsmasq");
    }

    @Test
    void anAgentThatHasNotReachedItsLastRecordHasNotCaughtUp() {
        assertThat(NodeCatchUp.status(Map.of(routing, 40L), List.of(ack(routing, 39, null, 100))).get(0).caughtUp()).isFalse();
        assertThat(NodeCatchUp.status(Map.of(routing, 40L), List.of()).get(0).caughtUp()).isFalse();
    }
}
