package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.Claim;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.FloatingPoolRecord;
import io.factnet.model.Grant;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.ReturnFloatingIp;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.TakeFloatingIp;
import io.factnet.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A project's stock of floating addresses (ADR 0039), with the default size 4 and low watermark 2. */
class FloatingStockTest extends TopologyTestBase {
    private TestOutputTopic<String, Claim> claims;

    @BeforeEach
    void readClaims() {
        claims = d.driver.createOutputTopic(Topics.INTERNAL_CLAIMS.name(), new StringDeserializer(),
                Topics.INTERNAL_CLAIMS.valueDeserializer(d.registry));
    }

    private List<Claim> claimsSent() {
        return claims.readValuesToList();
    }

    private ProjectRecord project(String name) {
        return d.driver.<String, ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).get(name);
    }

    private int given(String pool) {
        FloatingPoolRecord record = d.driver.<String, FloatingPoolRecord>getKeyValueStore(StoreNames.FLOATING_POOLS).get(pool);
        return record.getBitmap().getUsed() - record.getReserved();
    }

    private String allocate(String project, String pool) {
        return accepted(d.submit(project, AllocateFloatingIp.newBuilder().setPool(pool).build())).getAllocated().getAddress();
    }

    /** A /24 of 254 addresses: half (127) is kept out of stocks. */
    private void bigPool() {
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("big").setCidrs(List.of("192.0.2.0/24")).build()));
    }

    @Test
    void theFirstGrantBringsAStockAndLaterAllocationsTakeFromItInOneHop() {
        standardPools();
        bigPool();
        claimsSent();
        assertThat(allocate("p1", "big")).isEqualTo("192.0.2.1");
        assertThat(claimsSent()).singleElement().satisfies(claim -> assertThat(claim.getHops().get(0).getOp())
                .isEqualTo(new TakeFloatingIp("big", 4, false)));
        assertThat(project("p1").getFloatingStock()).isEqualTo(Map.of("big",
                List.of("192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5")));
        assertThat(given("big")).as("the stock is marked taken at the pool with the grant").isEqualTo(5);
        assertThat(project("p1").getFloatingIps()).as("the quota counts allocations, not stock").isEqualTo(1);

        assertThat(allocate("p1", "big")).isEqualTo("192.0.2.2");
        assertThat(claimsSent()).as("from the stock: no claim").isEmpty();
        assertThat(allocate("p1", "big")).isEqualTo("192.0.2.3");
        assertThat(claimsSent()).as("two left: not below the low watermark").isEmpty();
        assertThat(allocate("p1", "big")).isEqualTo("192.0.2.4");
        List<Claim> refill = claimsSent();
        assertThat(refill).as("one left: a refill for the three missing").hasSize(1);
        assertThat(refill.get(0).getHops().get(0).getOp()).isEqualTo(new TakeFloatingIp("big", 3, true));
        assertThat(refill.get(0).getGrant().getFloatingRefill()).isTrue();
        assertThat(refill.get(0).getReply()).isTrue();
        ProjectRecord p1 = project("p1");
        assertThat(p1.getFloatingStock()).isEqualTo(Map.of("big", List.of("192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8")));
        assertThat(p1.getFloatingRefills()).as("the refill's grant came").isEmpty();
        assertThat(p1.getBusy()).as("a refill never makes the project busy").isFalse();
        assertThat(p1.getQueueHead()).as("nor queues anything").isEqualTo(p1.getQueueTail());
        assertThat(p1.getFloatingIps()).isEqualTo(4);
        assertThat(given("big")).isEqualTo(8);
    }

    @Test
    void aPoolGivesStockOnlyFromItsFirstHalfAndItsRefusalSaysSo() {
        standardPools(); // "public": 203.0.113.1-6, three of which stay out of stocks
        assertThat(allocate("p1", "public")).isEqualTo("203.0.113.1");
        assertThat(project("p1").getFloatingStock()).isEqualTo(Map.of("public", List.of("203.0.113.2", "203.0.113.3")));
        assertThat(allocate("p2", "public")).isEqualTo("203.0.113.4");
        assertThat(project("p2").getFloatingStock()).as("the pool's second half: no stock").isEmpty();
        assertThat(allocate("p2", "public")).isEqualTo("203.0.113.5");
        assertThat(allocate("p2", "public")).isEqualTo("203.0.113.6");
        assertThat(rejected(floatingIp("p2"), Reason.POOL_EXHAUSTED).getMessage()).contains("stocks");
        assertThat(allocate("p1", "public")).as("p1's stock still serves p1").isEqualTo("203.0.113.2");
        assertThat(allocate("p1", "public")).isEqualTo("203.0.113.3");
        rejected(floatingIp("p1"), Reason.POOL_EXHAUSTED);
        assertThat(project("p1").getFloatingRefills()).as("the refills found nothing and are done").isEmpty();
        assertThat(given("public")).isEqualTo(6);
    }

    @Test
    void aReleaseGoesIntoTheStockWhileItHasRoomAndTheLastOneGivesEveryStockBack() {
        standardPools();
        bigPool();
        List<String> mine = List.of(allocate("p1", "big"), allocate("p1", "big"), allocate("p1", "big"), allocate("p1", "big"));
        assertThat(mine).containsExactly("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4");
        assertThat(project("p1").getFloatingStock().get("big")).as("refilled after the fourth")
                .containsExactly("192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8");
        assertThat(given("big")).isEqualTo(8);
        claimsSent();

        accepted(d.submit("p1", new ReleaseFloatingIp("192.0.2.1")));
        assertThat(project("p1").getFloatingStock().get("big")).as("the stock is full").hasSize(4);
        assertThat(claimsSent()).singleElement().satisfies(claim -> assertThat(claim.getHops().get(0).getOp())
                .isEqualTo(new ReturnFloatingIp("big", "192.0.2.1", List.of())));
        assertThat(given("big")).isEqualTo(7);

        assertThat(allocate("p1", "big")).isEqualTo("192.0.2.5");
        accepted(d.submit("p1", new ReleaseFloatingIp("192.0.2.2")));
        assertThat(project("p1").getFloatingStock().get("big")).as("into the stock, which had room")
                .containsExactly("192.0.2.6", "192.0.2.7", "192.0.2.8", "192.0.2.2");
        assertThat(given("big")).isEqualTo(7);
        claimsSent();

        for (String address : List.of("192.0.2.3", "192.0.2.4")) {
            accepted(d.submit("p1", new ReleaseFloatingIp(address)));
        }
        assertThat(given("big")).isEqualTo(5);
        accepted(d.submit("p1", new ReleaseFloatingIp("192.0.2.5")));
        assertThat(project("p1").getFloatingIps()).isZero();
        assertThat(project("p1").getFloatingStock()).as("the last floating IP takes the stock with it").isEmpty();
        assertThat(given("big")).isZero();
        assertThat(claimsSent()).last().satisfies(claim -> assertThat(claim.getHops().get(0).getOp())
                .isEqualTo(new ReturnFloatingIp("big", "192.0.2.5", List.of("192.0.2.6", "192.0.2.7", "192.0.2.8", "192.0.2.2"))));
    }

    @Test
    void theQuotaBoundsTheStock() {
        standardPools();
        bigPool();
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setFloatingIps(2).build()));
        allocate("p1", "big");
        assertThat(project("p1").getFloatingStock().get("big")).as("room for one more floating IP: a stock of one").hasSize(1);
        allocate("p1", "big");
        assertThat(project("p1").getFloatingStock()).isEmpty();
        assertThat(claimsSent().stream().filter(c -> c.getHops().get(0).getOp() instanceof TakeFloatingIp take && take.getRefill()))
                .as("no refill at the quota").isEmpty();
        rejected(d.submit("p1", AllocateFloatingIp.newBuilder().setPool("big").build()), Reason.QUOTA_EXCEEDED);
        assertThat(given("big")).isEqualTo(2);
    }

    @Test
    void aRefillWhoseProjectIsGoneGoesBackToThePool() {
        standardPools();
        bigPool();
        Claim claim = Claim.newBuilder()
                .setHops(List.of(PoolKeys.hop(PoolKeys.FLOATING, new TakeFloatingIp("big", 3, true))))
                .setGrant(Grant.newBuilder().setRequestId("refill-1").setProject("ghost").setFloatingPool("big")
                        .setFloatingRefill(true).build()).setReply(true).build();
        byte[] value = Topics.INTERNAL_CLAIMS.valueSerde(d.registry).serializer().serialize(Topics.INTERNAL_CLAIMS.name(), claim);
        claimsSent();
        assertThat(d.pipeRaw(Topics.INTERNAL_CLAIMS, PoolKeys.FLOATING, value)).as("a refill has no result").isEmpty();
        List<Claim> sent = claimsSent();
        assertThat(sent).as("the give-back of its three addresses").hasSize(1);
        assertThat(sent.get(0).getHops().get(0).getOp())
                .isEqualTo(new ReturnFloatingIp("big", "192.0.2.1", List.of("192.0.2.2", "192.0.2.3")));
        assertThat(given("big")).isZero();
        assertThat(project("ghost")).isNull();
    }

    @Test
    void aSmallerStockIsConfigurable() {
        d.close();
        d = new ControllerDriver(Map.of(ControllerConfig.FLOATING_STOCK, "1", ControllerConfig.FLOATING_STOCK_LOW, "1"));
        readClaims();
        standardPools();
        bigPool();
        allocate("p1", "big");
        assertThat(project("p1").getFloatingStock().get("big")).containsExactly("192.0.2.2");
        allocate("p1", "big");
        assertThat(project("p1").getFloatingStock().get("big")).as("refilled at once").containsExactly("192.0.2.3");
        assertThat(given("big")).isEqualTo(3);
    }
}
