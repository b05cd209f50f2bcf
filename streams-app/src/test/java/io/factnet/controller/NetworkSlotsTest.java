package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.BlockPoolRecord;
import io.factnet.model.Claim;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.Grant;
import io.factnet.model.NetworkSlot;
import io.factnet.model.NetworkSlots;
import io.factnet.model.NodeRole;
import io.factnet.model.PlaceNetwork;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseBlock;
import io.factnet.model.ReleaseVlan;
import io.factnet.model.TakeBlock;
import io.factnet.model.TakeVlan;
import io.factnet.model.VlanPoolRecord;
import io.factnet.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The project-stage task's network slots (ADR 0044), with the default size 4 and low watermark 2. */
class NetworkSlotsTest extends TopologyTestBase {
    private static final String WIDE = "wide";
    private TestOutputTopic<String, Claim> claims;

    @BeforeEach
    void readClaims() {
        claims = d.driver.createOutputTopic(Topics.INTERNAL_CLAIMS.name(), new StringDeserializer(),
                Topics.INTERNAL_CLAIMS.valueDeserializer(d.registry));
    }

    /** 16 VLANs of "wide" (8 stay out of slots), 256 /24 blocks (128 stay out), and one node per role that serves every network. */
    private void widePools() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork(WIDE).setFirst(200).setLast(215).build()));
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/16").setBlockPrefix(24).setGroupPrefix(28).build()));
        register("r1", "198.51.100.1", NodeRole.ROUTING);
        register("a1", "198.51.100.2", NodeRole.ADDRESSING);
        register("b1", "198.51.100.3", NodeRole.BRIDGING);
        claims.readValuesToList();
    }

    private NetworkSlots slots() {
        return d.driver.<String, NetworkSlots>getKeyValueStore(StoreNames.NETWORK_SLOTS).get("0");
    }

    private List<Integer> slotVlans() {
        NetworkSlots slots = slots();
        return slots == null ? List.of() : slots.getSlots().getOrDefault(WIDE, List.of()).stream().map(NetworkSlot::getVlan).toList();
    }

    private int vlansGiven() {
        return d.driver.<String, VlanPoolRecord>getKeyValueStore(StoreNames.VLAN_POOLS).get(WIDE).getBitmap().getUsed();
    }

    private int blocksGiven() {
        return d.driver.<String, BlockPoolRecord>getKeyValueStore(StoreNames.BLOCK_POOLS).get("blocks").getBitmap().getUsed();
    }

    private String network(String project) {
        return accepted(d.submit(project, CreateNetwork.newBuilder().setPhysicalNetwork(WIDE).build())).getAllocated().getCidr();
    }

    @Test
    void theFirstNetworkBringsSlotsAndLaterNetworksTakeThemWithOnlyThePlacementHop() {
        widePools();
        assertThat(network("p1")).isEqualTo("10.0.0.0/24");
        Claim saga = claims.readValuesToList().get(0);
        assertThat(saga.getHops()).extracting(hop -> hop.getOp())
                .containsExactly(new TakeVlan(4, false), new TakeBlock(4, false), new PlaceNetwork());
        assertThat(slotVlans()).as("the saga's slots, oldest first").containsExactly(201, 202, 203, 204);
        assertThat(slots().getSlots().get(WIDE).get(0)).isEqualTo(new NetworkSlot(201, "10.0.1.0/24", 28));
        assertThat(vlansGiven()).as("slots are marked taken at the pools with the claim").isEqualTo(5);
        assertThat(blocksGiven()).isEqualTo(5);

        assertThat(network("p2")).isEqualTo("10.0.1.0/24");
        List<Claim> sent = claims.readValuesToList();
        assertThat(sent).as("one claim, for the placement only").singleElement().satisfies(claim -> {
            assertThat(claim.getHops()).extracting(hop -> hop.getOp()).containsExactly(new PlaceNetwork());
            assertThat(claim.getGrant().getVlan()).isEqualTo(201);
            assertThat(claim.getGrant().getBlock()).isEqualTo("10.0.1.0/24");
        });
        ProjectRecord p2 = d.driver.<String, ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).get("p2");
        assertThat(p2.getNetwork().getVlan()).isEqualTo(201);
        assertThat(p2.getNetwork().getNodes().getBridging()).isEqualTo("b1");
        network("p3");
        assertThat(claims.readValuesToList()).as("two left: not below the low watermark").hasSize(1);
        assertThat(network("p4")).isEqualTo("10.0.3.0/24");
        List<Claim> refill = claims.readValuesToList().stream() // without the refill's second hop, which the pool stage sent
                .filter(claim -> !(claim.getHops().get(0).getOp() instanceof TakeBlock)).toList();
        assertThat(refill).as("one slot left: a refill for the three missing, and the placement").hasSize(2);
        assertThat(refill.get(0).getHops()).extracting(hop -> hop.getOp()).containsExactly(new TakeVlan(3, true), new TakeBlock(3, true));
        assertThat(refill.get(0).getGrant().getSlotRefill()).isTrue();
        assertThat(refill.get(0).getGrant().getSlotTask()).isZero();
        assertThat(slotVlans()).as("refilled").containsExactly(204, 205, 206, 207);
        assertThat(slots().getRefills()).as("the refill's grant came").isEmpty();
        assertThat(slots().getNetworks()).isEqualTo(Map.of(WIDE, 4));
        assertThat(vlansGiven()).isEqualTo(8);
        assertThat(blocksGiven()).isEqualTo(8);
        ProjectRecord p4 = d.driver.<String, ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).get("p4");
        assertThat(p4.getBusy()).isFalse();
        assertThat(p4.getQueueHead()).isEqualTo(p4.getQueueTail());
    }

    @Test
    void aDeletedNetworkGoesBackToThePoolsAndTheLastOneTakesTheSlotsWithIt() {
        widePools();
        network("p1");
        network("p2");
        assertThat(vlansGiven()).isEqualTo(5);
        claims.readValuesToList();
        accepted(d.submit("p1", new DeleteNetwork()));
        assertThat(claims.readValuesToList()).extracting(claim -> claim.getHops().get(0).getOp())
                .contains(new ReleaseVlan(200), new ReleaseBlock("10.0.0.0/24"));
        assertThat(vlansGiven()).isEqualTo(4);
        assertThat(slotVlans()).containsExactly(202, 203, 204);
        accepted(d.submit("p2", new DeleteNetwork()));
        assertThat(slots()).as("no network of the task: no slot, nothing kept").isNull();
        assertThat(vlansGiven()).isZero();
        assertThat(blocksGiven()).isZero();
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork(WIDE).setFirst(300).setLast(315).build()));
    }

    @Test
    void aSmallRangeGivesNoSlotsFromItsSecondHalf() {
        standardPools(); // VLANs 100-101, two /20 blocks
        accepted(fixedIp("p1", "vm1"));
        assertThat(slots().getSlots()).as("one VLAN free of two: none for slots").isEmpty();
        accepted(fixedIp("p2", "vm1"));
        assertThat(rejected(fixedIp("p3", "vm1"), Reason.POOL_EXHAUSTED).getMessage()).contains("network slots");
    }

    @Test
    void aRefillForAnotherTaskGoesBackToThePools() {
        widePools();
        Claim claim = Claim.newBuilder()
                .setHops(List.of(PoolKeys.hop(PoolKeys.vlan(WIDE), new TakeVlan(2, true)), PoolKeys.hop(PoolKeys.BLOCKS, new TakeBlock(2, true))))
                .setGrant(Grant.newBuilder().setRequestId("refill-1").setProject("p1").setPhysicalNetwork(WIDE)
                        .setSlotRefill(true).setSlotTask(3).build()).setReply(true).build();
        byte[] value = Topics.INTERNAL_CLAIMS.valueSerde(d.registry).serializer().serialize(Topics.INTERNAL_CLAIMS.name(), claim);
        assertThat(d.pipeRaw(Topics.INTERNAL_CLAIMS, PoolKeys.vlan(WIDE), value)).as("a refill has no result").isEmpty();
        assertThat(slots()).isNull();
        assertThat(vlansGiven()).isZero();
        assertThat(blocksGiven()).isZero();
    }

    @Test
    void aRefusedSagaGivesItsSlotsBackAndNoLongerCountsAsOut() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setPhysicalNetwork(WIDE).setFirst(200).setLast(215).build()));
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/16").setBlockPrefix(24).setGroupPrefix(28).build()));
        rejected(d.submit("p1", CreateNetwork.newBuilder().setPhysicalNetwork(WIDE).build()), Reason.NO_NODE);
        assertThat(vlansGiven()).as("the network's VLAN and the slots' go back with the refusal").isZero();
        assertThat(blocksGiven()).isZero();
        assertThat(slots()).as("no claim for slots out, nothing kept").isNull();
        register("r1", "198.51.100.1", NodeRole.ROUTING);
        register("a1", "198.51.100.2", NodeRole.ADDRESSING);
        register("b1", "198.51.100.3", NodeRole.BRIDGING);
        claims.readValuesToList();
        network("p2");
        assertThat(claims.readValuesToList().get(0).getHops().get(0).getOp()).as("the next saga asks for slots again")
                .isEqualTo(new TakeVlan(4, false));
        assertThat(slotVlans()).hasSize(4);
    }

    @Test
    void aStockOfZeroTurnsTheSlotsOff() {
        d.close();
        d = new ControllerDriver(Map.of(ControllerConfig.NETWORK_STOCK, "0"));
        readClaims();
        widePools();
        network("p1");
        network("p2");
        assertThat(claims.readValuesToList().stream().filter(claim -> claim.getHops().size() == 3)) // the project stage's
                .as("the saga, and no slots asked for").extracting(claim -> claim.getHops().get(0).getOp())
                .containsExactly(new TakeVlan(0, false), new TakeVlan(0, false));
        assertThat(slotVlans()).isEmpty();
        assertThat(vlansGiven()).isEqualTo(2);
    }
}
