package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.topics.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Node events are not authenticated (issue 16, item 4): what one who may write them can no longer do. */
class NodeTrustTest extends TopologyTestBase {

    private void ack(String id, String node, String publicKey) {
        AppliedAck ack = AppliedAck.newBuilder().setNodeId(node).setRole(NodeRole.TUNNELING).setPartition(0)
                .setAppliedOffset(999_999).setPublicKey(publicKey).build();
        Request request = Request.newBuilder(d.request(ADMIN, ack)).setRequestId(id).build();
        assertThat(d.pipe(Topics.NODE_EVENTS, node + "/tunneling", request)).as("an ack has no result").isEmpty();
    }

    private String keyOf(String node) {
        return d.fact(Topics.STATE_NODES, node).getPublicKey();
    }

    private static RegisterNode.Builder tunneling(String node) {
        return RegisterNode.newBuilder().setNodeId(node).setRoles(List.of(NodeRole.TUNNELING)).setPublicAddress("198.51.100.4")
                .setVpnPortFirst(51820).setVpnPortLast(51821);
    }

    @Test
    void theFirstAckSetsAKeyAndAForgedAckCannotReplaceIt() {
        standardPools();
        ack("ack-1", "t1", KEY_A);
        assertThat(keyOf("t1")).as("no key yet: the agent's first ack gives it").isEqualTo(KEY_A);
        ack("forged", "t1", KEY_B);
        assertThat(keyOf("t1")).as("an ack never replaces a key").isEqualTo(KEY_A);
        assertThat(accepted(d.admin(ADMIN, tunneling("t1").setPublicKey(KEY_B).build())).getMessage()).contains("updated");
        assertThat(keyOf("t1")).as("the operator rotates it").isEqualTo(KEY_B);
        ack("ack-2", "t1", KEY_A);
        assertThat(keyOf("t1")).isEqualTo(KEY_B);
        accepted(d.admin(ADMIN, tunneling("t1").build()));
        assertThat(keyOf("t1")).as("a registration without a key keeps it").isEqualTo(KEY_B);
    }

    @Test
    void aKeyPinnedAtRegistrationIsKeptAgainstAnyAck() {
        standardPools();
        accepted(d.admin(ADMIN, tunneling("t1").setPublicKey(KEY_A).build()));
        assertThat(keyOf("t1")).isEqualTo(KEY_A);
        ack("forged", "t1", KEY_B);
        assertThat(keyOf("t1")).isEqualTo(KEY_A);
    }

    @Test
    void aPinnedKeyMustBeAWireGuardKeyOfATunnelingNode() {
        rejected(d.admin(ADMIN, tunneling("t1").setPublicKey("bogus\u001b[31m").build()), Reason.INVALID_ARGUMENT);
        Reason reason = d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("r1").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("198.51.100.1").setPublicKey(KEY_A).build()).getReason();
        assertThat(reason).isEqualTo(Reason.INVALID_ARGUMENT);
        assertThat(d.view(Topics.STATE_NODES)).isEmpty();
    }

    @Test
    void registerNodeOnTheNodeEventsTopicIsRefused() {
        standardPools();
        Result refused = rejected(d.nodeEvent(ADMIN, RegisterNode.newBuilder().setNodeId("evil").setRoles(List.of(NodeRole.ROUTING))
                .setPublicAddress("192.0.2.66").build()), Reason.UNAUTHORIZED);
        assertThat(refused.getMessage()).contains("RegisterNode", Topics.NODE_EVENTS.name());
        assertThat(d.fact(Topics.STATE_NODES, "evil")).isNull();
        // nor can it change a registered node: its address stays
        rejected(d.nodeEvent(ADMIN, tunneling("t1").setPublicAddress("192.0.2.66").build()), Reason.UNAUTHORIZED);
        assertThat(d.fact(Topics.STATE_NODES, "t1").getPublicAddress()).isEqualTo("198.51.100.4");
    }
}
