package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.reference.ReferenceModel;
import io.factnet.controller.reference.ReferenceModel.Expected;
import io.factnet.controller.reference.RequestGenerator;
import io.factnet.controller.reference.RequestGenerator.Step;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random requests through the topology (TopologyTestDriver) and through the sequential
 * reference model: every result must be the model's, and the published facts must keep their
 * invariants after every step. Replay a failure with -Dfactnet.model.seed=&lt;seed&gt; (and
 * -Dfactnet.model.steps=&lt;n&gt; for a longer or shorter run).
 */
class ModelBasedTest {
    static final Map<String, Topic<String, Request>> INPUTS = Map.of(Topics.REQUESTS.name(), Topics.REQUESTS,
            Topics.ADMIN_REQUESTS.name(), Topics.ADMIN_REQUESTS, Topics.NODE_EVENTS.name(), Topics.NODE_EVENTS);

    @Test
    void theTopologyAnswersLikeTheReferenceModelAndKeepsTheInvariants() {
        long seed = Long.getLong("factnet.model.seed", new Random().nextLong());
        int steps = Integer.getInteger("factnet.model.steps", 4000);
        Run run = run(seed, steps);
        Map<Reason, Integer> reasons = run.reasons();
        if (steps >= 2000) {
            assertThat(run.acceptedCommands()).as("seed %d: commands the run got accepted", seed)
                    .containsKeys("ReserveFixedAddress", "UnreserveFixedAddress", "AllocateFixedIp", "AddRule", "AssociateFloatingIp",
                            "SetAutoAssignFloatingIp", "AllocateFixedIp with an auto-assigned floating IP", "SetInstanceMetadata",
                            "AllocateFixedIp on a compute host", "MoveInstance to another host", "AllocateFloatingIp from a stock");
            // refills are rarer (random quotas of 0-4 leave little room for a stock): printed, not required of every seed
            assertThat(reasons.keySet()).as("seed %d: the run reached these outcomes", seed).contains(Reason.OK,
                    Reason.INVALID_ARGUMENT, Reason.NOT_FOUND, Reason.ALREADY_EXISTS, Reason.IN_USE, Reason.QUOTA_EXCEEDED,
                    Reason.POOL_EXHAUSTED, Reason.NOT_CONFIGURED, Reason.UNAUTHORIZED, Reason.CONFLICT);
        }
    }

    /** What a run reached: results by reason, accepted results by command. */
    record Run(Map<Reason, Integer> reasons, Map<String, Integer> acceptedCommands) {
    }

    /** The operator's policies for crashed instances, one per seed: never released, at once, after 20 minutes down. */
    static final List<Duration> RELEASE_GONE_AFTER = List.of(Duration.ofMillis(-1), Duration.ZERO, Duration.ofMinutes(20));

    static Run run(long seed, int steps) {
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        Map<String, Integer> accepted = new java.util.TreeMap<>();
        Duration releaseGoneAfter = RELEASE_GONE_AFTER.get((int) Math.floorMod(seed, (long) RELEASE_GONE_AFTER.size()));
        try (ControllerDriver driver = new ControllerDriver(Map.of(ControllerConfig.RELEASE_GONE_AFTER_MS,
                String.valueOf(releaseGoneAfter.toMillis())))) {
            ReferenceModel model = new ReferenceModel(Duration.ofMinutes(10), releaseGoneAfter);
            RequestGenerator generator = new RequestGenerator(seed, model, driver.clock);
            FactInvariants invariants = new FactInvariants(driver);
            List<Step> setup = generator.setup();
            for (int i = 0; i < setup.size() + steps; i++) {
                Step step = i < setup.size() ? setup.get(i) : generator.next();
                driver.clock = step.timestamp();
                List<Result> results = driver.pipe(INPUTS.get(step.topic()), step.key(), step.request());
                Expected expected = model.apply(step.topic(), step.key(), step.request(), step.timestamp());
                List<Expected> actual = results.stream().map(Expected::of).toList();
                String where = String.format("seed %d (rerun with -Dfactnet.model.seed=%d), step %d: %s on %s key %s%n",
                        seed, seed, i, step.request(), step.topic(), step.key());
                if (expected == null) {
                    assertThat(actual).as(where + "no result expected").isEmpty();
                } else {
                    assertThat(actual).as(where + "message: %s", results.isEmpty() ? "-" : results.get(0).getMessage())
                            .containsExactly(expected);
                    reasons.merge(expected.reason(), 1, Integer::sum);
                    if (expected.reason() == Reason.OK) {
                        accepted.merge(((SpecificRecord) step.request().getCommand()).getSchema().getName(), 1, Integer::sum);
                        if (expected.allocated().containsKey("floatingAddress")) {
                            accepted.merge("AllocateFixedIp with an auto-assigned floating IP", 1, Integer::sum);
                        }
                        if (step.request().getCommand() instanceof io.factnet.model.AllocateFixedIp a && a.getHost() != null
                                && expected.touched().stream().anyMatch(t -> t.startsWith(a.getHost() + "/"))) {
                            accepted.merge("AllocateFixedIp on a compute host", 1, Integer::sum);
                        }
                        if (step.request().getCommand() instanceof io.factnet.model.MoveInstance && !expected.touched().isEmpty()) {
                            accepted.merge("MoveInstance to another host", 1, Integer::sum);
                        }
                    }
                }
                assertThat(invariants.check(step.request(), results)).as(where + "invariants").isEmpty();
                assertThat(floatingAccounts(driver)).as(where + "floating addresses: pools, stocks and floating IPs").isEmpty();
                assertThat(slotAccounts(driver, model)).as(where + "VLANs and blocks: pools, network slots and networks").isEmpty();
                if (i % 500 == 0 || i == setup.size() + steps - 1) {
                    assertThat(model.facts().differences(stateTopics(driver))).as(where + "the state topics").isEmpty();
                    assertIndexesEqualAFullRecompute(driver, where);
                }
            }
            if (model.fromStock() > 0) {
                accepted.put("AllocateFloatingIp from a stock", model.fromStock());
            }
            if (model.refills() > 0) {
                accepted.put("stock refills", model.refills());
            }
            if (model.slotNetworks() > 0) {
                accepted.put("networks from a slot", model.slotNetworks());
                accepted.put("slots given", model.slotsGiven());
                accepted.put("slot refill claims", model.slotRefillClaims());
            }
            if (model.refillClaims() > 0) {
                accepted.put("stock refill claims", model.refillClaims());
            }
        }
        System.out.printf("model-based run, seed %d, %d steps, down instances released %s: %s; accepted %s%n", seed, steps,
                releaseGoneAfter.isNegative() ? "never" : "after " + releaseGoneAfter, reasons, accepted);
        return new Run(reasons, accepted);
    }

    /**
     * OVN's check: the indexes kept by processing each request (DerivedIndexes, no changelog) hold exactly what a
     * full recompute from the stores they index gives, which is what a restarted task rebuilds.
     */
    static void assertIndexesEqualAFullRecompute(ControllerDriver driver, String where) {
        var derived = io.factnet.controller.project.DerivedIndexes.derive(
                driver.driver.getKeyValueStore(StoreNames.FIXED_IPS), driver.driver.getKeyValueStore(StoreNames.FLOATING_IPS),
                driver.driver.getKeyValueStore(StoreNames.REQUESTS_SEEN));
        derived.forEach((name, expected) -> {
            Map<String, Object> live = new java.util.TreeMap<>();
            org.apache.kafka.streams.state.KeyValueStore<String, Object> store = driver.driver.getKeyValueStore(name);
            try (var it = store.all()) {
                it.forEachRemaining(entry -> live.put(entry.key, entry.value));
            }
            assertThat(live).as(where + "index " + name + " against a full recompute").isEqualTo(expected);
        });
    }

    /**
     * ADR 0039's invariant, from the stores: an address is in at most one project's stock or on one floating IP, never
     * both; each is marked taken in its pool's bitmap; and a pool's given addresses are exactly its floating IPs and
     * stocks (none lost, none given twice).
     */
    static List<String> floatingAccounts(ControllerDriver driver) {
        List<String> problems = new java.util.ArrayList<>();
        Map<String, Map<String, String>> holders = new java.util.TreeMap<>(); // pool -> address -> holder
        java.util.function.BiConsumer<String, String[]> hold = (pool, addressAndHolder) -> {
            String before = holders.computeIfAbsent(pool, k -> new java.util.TreeMap<>()).put(addressAndHolder[0], addressAndHolder[1]);
            if (before != null) {
                problems.add(pool + " " + addressAndHolder[0] + " is held by " + before + " and " + addressAndHolder[1]);
            }
        };
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.FloatingIp> floating =
                driver.driver.getKeyValueStore(StoreNames.FLOATING_IPS);
        try (var it = floating.all()) {
            it.forEachRemaining(e -> hold.accept(e.value.getPool(), new String[] {e.value.getAddress(), "floating IP of " + e.value.getProject()}));
        }
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.ProjectRecord> projects =
                driver.driver.getKeyValueStore(StoreNames.PROJECTS);
        try (var it = projects.all()) {
            it.forEachRemaining(e -> {
                e.value.getFloatingStock().forEach((pool, stock) -> stock.forEach(a -> hold.accept(pool, new String[] {a, "stock of " + e.key})));
                if (e.value.getFloatingStock().values().stream().anyMatch(List::isEmpty)) {
                    problems.add(e.key + " keeps an empty stock");
                }
                if (!e.value.getFloatingRefills().isEmpty()) {
                    problems.add(e.key + " waits for a refill after its request was answered: " + e.value.getFloatingRefills());
                }
            });
        }
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.FloatingPoolRecord> pools =
                driver.driver.getKeyValueStore(StoreNames.FLOATING_POOLS);
        try (var it = pools.all()) {
            it.forEachRemaining(e -> {
                Map<String, String> held = holders.getOrDefault(e.key, Map.of());
                int given = e.value.getBitmap().getUsed() - e.value.getReserved();
                if (given != held.size()) {
                    problems.add("pool " + e.key + " has " + given + " addresses given, " + held.size() + " held: " + held);
                }
                var ranges = io.factnet.controller.alloc.AddressRanges.of(e.value.getStarts(), e.value.getEnds());
                var bitmap = io.factnet.controller.alloc.Bitmap.of(e.value.getBitmap());
                held.forEach((address, holder) -> {
                    long number = ranges.numberOf(io.factnet.controller.alloc.Ipv4.parse(address));
                    if (number < 0 || !bitmap.isTaken((int) number)) {
                        problems.add(address + " (" + holder + ") is not taken in pool " + e.key);
                    }
                });
            });
        }
        return problems;
    }

    /**
     * ADR 0044's invariant, from the stores: a VLAN (of its physical network) or a block is in at most one task's slots
     * or on one network, never both; each is marked taken in its pool's bitmap; a pool's used count is exactly its
     * networks and slots (none lost, none given twice); no refill is still out once the request is answered; and the
     * task holds the slots the reference model holds, in its order.
     */
    static List<String> slotAccounts(ControllerDriver driver, ReferenceModel model) {
        List<String> problems = new java.util.ArrayList<>();
        Map<String, Map<Integer, String>> vlans = new java.util.TreeMap<>(); // physnet -> vlan -> holder
        Map<String, String> blocks = new java.util.TreeMap<>(); // cidr -> holder
        java.util.function.Consumer<String[]> hold = held -> { // physnet, vlan, block, holder
            String before = vlans.computeIfAbsent(held[0], k -> new java.util.TreeMap<>()).put(Integer.parseInt(held[1]), held[3]);
            if (before != null) {
                problems.add("VLAN " + held[1] + " of " + held[0] + " is held by " + before + " and " + held[3]);
            }
            before = blocks.put(held[2], held[3]);
            if (before != null) {
                problems.add("block " + held[2] + " is held by " + before + " and " + held[3]);
            }
        };
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.ProjectRecord> projects =
                driver.driver.getKeyValueStore(StoreNames.PROJECTS);
        try (var it = projects.all()) {
            it.forEachRemaining(e -> {
                io.factnet.model.Network n = e.value.getNetwork();
                if (n != null) {
                    hold.accept(new String[] {n.getPhysicalNetwork(), String.valueOf(n.getVlan()), n.getCidr(), "network of " + e.key});
                }
            });
        }
        Map<String, List<String>> stocked = new java.util.TreeMap<>();
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.NetworkSlots> slots =
                driver.driver.getKeyValueStore(StoreNames.NETWORK_SLOTS);
        try (var it = slots.all()) {
            it.forEachRemaining(e -> {
                if (!e.key.equals("0")) {
                    problems.add("slots under key " + e.key + ": the driver's one task is partition 0");
                }
                if (!e.value.getRefills().isEmpty()) {
                    problems.add("task " + e.key + " waits for a slot refill after the request was answered: " + e.value.getRefills());
                }
                e.value.getSlots().forEach((physnet, list) -> {
                    if (list.isEmpty()) {
                        problems.add("task " + e.key + " keeps an empty stock of " + physnet);
                    }
                    list.forEach(slot -> {
                        hold.accept(new String[] {physnet, String.valueOf(slot.getVlan()), slot.getBlock(), "slots of task " + e.key});
                        stocked.computeIfAbsent(physnet, k -> new java.util.ArrayList<>()).add(slot.getVlan() + " " + slot.getBlock());
                    });
                });
            });
        }
        if (!stocked.equals(model.taskSlots())) {
            problems.add("the task's slots are " + stocked + ", the model's " + model.taskSlots());
        }
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.VlanPoolRecord> vlanPools =
                driver.driver.getKeyValueStore(StoreNames.VLAN_POOLS);
        try (var it = vlanPools.all()) {
            it.forEachRemaining(e -> {
                Map<Integer, String> held = vlans.getOrDefault(e.key, Map.of());
                if (e.value.getBitmap().getUsed() != held.size()) {
                    problems.add("VLAN pool " + e.key + " has " + e.value.getBitmap().getUsed() + " given, " + held.size() + " held: " + held);
                }
                var bitmap = io.factnet.controller.alloc.Bitmap.of(e.value.getBitmap());
                held.forEach((vlan, holder) -> {
                    int index = vlan - e.value.getFirst();
                    if (index < 0 || index >= bitmap.size() || !bitmap.isTaken(index)) {
                        problems.add("VLAN " + vlan + " of " + e.key + " (" + holder + ") is not taken in its pool");
                    }
                });
            });
        }
        org.apache.kafka.streams.state.KeyValueStore<String, io.factnet.model.BlockPoolRecord> blockPools =
                driver.driver.getKeyValueStore(StoreNames.BLOCK_POOLS);
        io.factnet.model.BlockPoolRecord pool = blockPools.get("blocks");
        if (pool != null) {
            if (pool.getBitmap().getUsed() != blocks.size()) {
                problems.add("the block pool has " + pool.getBitmap().getUsed() + " given, " + blocks.size() + " held: " + blocks);
            }
            var supernet = io.factnet.controller.alloc.Cidr.parse(pool.getCidr());
            var bitmap = io.factnet.controller.alloc.Bitmap.of(pool.getBitmap());
            blocks.forEach((cidr, holder) -> {
                var block = io.factnet.controller.alloc.Cidr.parse(cidr);
                if (!bitmap.isTaken((int) supernet.subnetIndexOf(block.network(), block.prefix()))) {
                    problems.add("block " + cidr + " (" + holder + ") is not taken in its pool");
                }
            });
        } else if (!blocks.isEmpty()) {
            problems.add("blocks are held without a supernet: " + blocks);
        }
        return problems;
    }

    /** The latest value per key of every factnet.state.* topic, by topic name. */
    static Map<String, Map<String, ?>> stateTopics(ControllerDriver driver) {
        Map<String, Map<String, ?>> topics = new LinkedHashMap<>();
        for (Topic<String, ? extends SpecificRecord> topic : List.of(Topics.STATE_NETWORKS, Topics.STATE_GROUP_SUBNETS,
                Topics.STATE_GROUPS, Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS, Topics.STATE_VPNS, Topics.STATE_NODES)) {
            topics.put(topic.name(), driver.view(topic));
        }
        return topics;
    }
}
