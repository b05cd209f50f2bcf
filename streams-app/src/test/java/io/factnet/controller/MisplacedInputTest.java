package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.Claim;
import io.factnet.model.ClaimHop;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.Grant;
import io.factnet.model.InstanceGone;
import io.factnet.model.NodeRole;
import io.factnet.model.PlaceNetwork;
import io.factnet.model.PlaceVpn;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.TakeBlock;
import io.factnet.model.TakeFloatingIp;
import io.factnet.model.TakeVlan;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 2: a keyed input outside its key's partition would start a second state of its project (or pool)
 * in another task, and a grant that no request takes would hold what it was given for ever. The driver puts every
 * record in partition 0; the stages are told their inputs have more partitions, so a key that maps elsewhere
 * arrives where it does not belong (with 2 partitions: _admin, p1..p5 and r1/routing map to 0; p6, p7, p8 and
 * n1/routing to 1; of the pools, floating and nodes to 0, vlan/physnet1 and blocks to 1).
 */
class MisplacedInputTest extends TopologyTestBase {

    private Request request(String id, String project, Object command) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(Instant.ofEpochMilli(d.clock))
                .setCommand(command).build();
    }

    private void use(KeyPartitions partitions) {
        d.close();
        d = new ControllerDriver(Map.of(), partitions);
    }

    @Test
    void theTestKeysMapWhereTheClassSays() {
        assertThat(List.of("_admin", "p1", "r1/routing", "floating", "nodes"))
                .allSatisfy(key -> assertThat(RequestRoutes.partitionOf(key, 2)).as(key).isZero());
        assertThat(List.of("p6", "n1/routing", "vlan/physnet1", "blocks"))
                .allSatisfy(key -> assertThat(RequestRoutes.partitionOf(key, 2)).as(key).isEqualTo(1));
    }

    @Test
    void aRequestOutsideItsKeysPartitionIsRefusedUnderItsIdAndStoresNothing() {
        use(new KeyPartitions(2, 1));
        standardPools();
        accepted(floatingIp("p1"));

        Result refused = rejected(d.submit(Topics.REQUESTS, request("wrong-partition", "p6",
                AllocateFloatingIp.newBuilder().setPool("public").build())), Reason.INVALID_ARGUMENT);
        assertThat(refused.getMessage()).contains("partition 0 of factnet.requests", "belongs in partition 1 of 2",
                "murmur2", "partitioner=murmur2_random");
        assertThat(refused.getSequence()).as("refused at the envelope").isNull();
        rejected(d.submit(Topics.ADMIN_REQUESTS, request("wrong-admin", "p6", SetProjectQuota.newBuilder().setFloatingIps(1).build())),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit(Topics.NODE_EVENTS, request("wrong-event", "p6", new InstanceGone("vm1", "b1"))), Reason.INVALID_ARGUMENT);

        KeyValueStore<String, ProjectRecord> projects = d.driver.getKeyValueStore(StoreNames.PROJECTS);
        assertThat(projects.get("p6")).as("no second state of p6 in partition 0's task").isNull();
        assertThat(d.view(Topics.STATE_FLOATING_IPS)).hasSize(1);
        // The refusal is not remembered (it came from a task that does not own p6): the same id is checked again.
        assertThat(d.submit(Topics.REQUESTS, request("wrong-partition", "p6", AllocateFloatingIp.newBuilder().setPool("public").build()))
                .getMessage()).contains("belongs in partition 1");
    }

    @Test
    void anAckOutsideItsKeysPartitionIsNotKept() {
        use(new KeyPartitions(2, 1));
        standardPools();
        KeyValueStore<String, AppliedAck> acks = d.driver.getKeyValueStore(StoreNames.NODE_ACKS);
        AppliedAck ack = AppliedAck.newBuilder().setNodeId("r1").setRole(NodeRole.ROUTING).setPartition(0).setAppliedOffset(4).build();
        assertThat(d.pipe(Topics.NODE_EVENTS, "r1/routing", request("ack-1", ADMIN, ack))).isEmpty();
        assertThat(d.pipe(Topics.NODE_EVENTS, "n1/routing", request("ack-2", ADMIN, AppliedAck.newBuilder(ack).setNodeId("n1").build())))
                .isEmpty();
        assertThat(acks.get("r1/routing")).isEqualTo(ack);
        assertThat(acks.get("n1/routing")).isNull();
    }

    @Test
    void aClaimOutsideItsPoolsPartitionIsRefusedBackToItsProject() {
        use(new KeyPartitions(1, 2));
        Result vlans = rejected(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(101).build()), Reason.INTERNAL);
        assertThat(vlans.getMessage()).contains("pool vlan/physnet1", "belongs in partition 1 of 2");
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/29")).build()));
        accepted(floatingIp("p1"));
    }

    private void claim(String project, String requestId, ClaimHop... hops) {
        Claim claim = Claim.newBuilder().setHops(List.of(hops))
                .setGrant(Grant.newBuilder().setRequestId(requestId).setProject(project).build()).setReply(true).build();
        byte[] value = Topics.INTERNAL_CLAIMS.valueSerde(d.registry).serializer().serialize(Topics.INTERNAL_CLAIMS.name(), claim);
        assertThat(d.pipeRaw(Topics.INTERNAL_CLAIMS, hops[0].getPool(), value)).as("a grant no request waits for has no result")
                .isEmpty();
    }

    @Test
    void aGrantThatNoRequestWaitsForGivesBackWhatItHolds() {
        standardPools(); // VLANs 100-101, two /20 blocks, six floating addresses, two VPN ports on t1
        claim("ghost", "ghost-net", PoolKeys.hop(PoolKeys.vlan("physnet1"), new TakeVlan()), PoolKeys.hop(PoolKeys.BLOCKS, new TakeBlock()),
                PoolKeys.hop(PoolKeys.NODES, new PlaceNetwork()));
        claim("ghost", "ghost-floating", PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp("public", 0, false)));
        claim("p1", "ghost-vpn", PoolKeys.hop(PoolKeys.NODES, PlaceVpn.newBuilder().build()));
        assertThat(d.driver.<String, ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).get("ghost")).isNull();

        accepted(d.submit("p1", CreateNetwork.newBuilder().build()));
        accepted(d.submit("p2", CreateNetwork.newBuilder().build()));
        assertThat(d.fact(Topics.STATE_NODES, "r1").getLoad()).containsEntry("ROUTING", 2);
        for (int i = 0; i < 6; i++) {
            accepted(floatingIp("p1"));
        }
        accepted(d.submit("p1", new CreateVpn()));
        accepted(d.submit("p2", new CreateVpn()));
    }

    @Test
    void aGrantOutsideItsProjectsPartitionIsGivenBack() {
        use(new KeyPartitions(2, 1));
        standardPools();
        // The pool (one partition) gives an address to p6, whose grant then arrives in partition 0: not p6's.
        claim("p6", "misplaced-grant", PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp("public", 0, false)));
        for (int i = 0; i < 6; i++) {
            accepted(floatingIp("p1"));
        }
    }
}
