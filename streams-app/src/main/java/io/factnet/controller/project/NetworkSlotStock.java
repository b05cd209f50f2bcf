package io.factnet.controller.project;

import io.factnet.controller.stage.NetworkStock;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Sinks;
import io.factnet.controller.stage.Tx;
import io.factnet.controller.stage.TxStore;
import io.factnet.model.Claim;
import io.factnet.model.ClaimHop;
import io.factnet.model.Grant;
import io.factnet.model.NetworkSlot;
import io.factnet.model.NetworkSlots;
import io.factnet.model.ReleaseBlock;
import io.factnet.model.ReleaseVlan;
import io.factnet.model.TakeBlock;
import io.factnet.model.TakeVlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The network slots of one project-stage task (ADR 0044): VLANs and blocks the pool stage gave the task ahead of its
 * projects' new networks, marked taken in the pools' bitmaps in the transactions of the claim that carried them, and
 * kept in the task's record of the {@code network-slots} store (logged with it). A new network takes the oldest slot of
 * its physical network in the transaction that sends its placement claim: a VLAN or block is in one stock or on one
 * network, never both. The node placement is not in the slot: it stays the pool stage's live decision (ADR 0044).
 * Every change writes a new record through the transaction, so a rollback of the request undoes it.
 */
final class NetworkSlotStock {
    private final Tx tx;
    private final TxStore<NetworkSlots> store;
    private final NetworkStock config;
    /** The task's partition: its record's key, and the task a refill's grant must come back to. */
    private final int partition;

    NetworkSlotStock(Tx tx, TxStore<NetworkSlots> store, NetworkStock config, int partition) {
        this.tx = tx;
        this.store = store;
        this.config = config;
        this.partition = partition;
    }

    /**
     * Slots off ({@code factnet.network.stock=0}) and none left from before: nothing is counted or written, a network is
     * the saga of before ADR 0044. Slots a task still holds from before it was turned off are used and counted until its
     * last network of their physical network gives them back.
     */
    private boolean off() {
        return config.size() == 0 && store.get(key()) == null;
    }

    int partition() {
        return partition;
    }

    NetworkSlots record() {
        NetworkSlots slots = store.get(key());
        return slots != null ? slots : NetworkSlots.newBuilder().build();
    }

    private String key() {
        return Integer.toString(partition);
    }

    private void save(NetworkSlots slots) {
        boolean empty = slots.getSlots().isEmpty() && slots.getRefills().isEmpty() && slots.getNetworks().isEmpty();
        store.put(key(), empty ? null : slots);
    }

    List<NetworkSlot> of(String physnet) {
        return record().getSlots().getOrDefault(physnet, List.of());
    }

    private static void setSlots(NetworkSlots record, String physnet, List<NetworkSlot> slots) {
        Map<String, List<NetworkSlot>> all = new HashMap<>(record.getSlots());
        if (slots.isEmpty()) {
            all.remove(physnet);
        } else {
            all.put(physnet, List.copyOf(slots));
        }
        record.setSlots(all);
    }

    /**
     * Takes the oldest slot of the physical network for a new network of the project; null when there is none (the
     * network's claim then takes its VLAN and block at the pools, and brings slots: {@link #sagaStock}). Below the low
     * watermark a refill claim goes out in the same transaction, one per physical network at a time; nothing waits for it.
     */
    NetworkSlot take(ProjectContext ctx, String physnet) {
        NetworkSlots record = record();
        List<NetworkSlot> slots = new ArrayList<>(record.getSlots().getOrDefault(physnet, List.of()));
        if (slots.isEmpty()) {
            return null;
        }
        NetworkSlot slot = slots.remove(0);
        setSlots(record, physnet, slots);
        if (slots.size() < config.low() && !record.getRefills().contains(physnet)) {
            List<String> refills = new ArrayList<>(record.getRefills());
            refills.add(physnet);
            record.setRefills(refills);
            int wanted = config.size() - slots.size();
            Grant grant = Grant.newBuilder().setRequestId(ctx.requestId).setProject(ctx.project).setPhysicalNetwork(physnet)
                    .setSlotRefill(true).setSlotTask(partition).build();
            List<ClaimHop> hops = List.of(PoolKeys.hop(PoolKeys.vlan(physnet), new TakeVlan(wanted, true)),
                    PoolKeys.hop(PoolKeys.BLOCKS, new TakeBlock(wanted, true)));
            tx.emit(Sinks.PROJECT_CLAIMS, hops.get(0).getPool(), Claim.newBuilder().setHops(hops).setGrant(grant).setReply(true).build());
        }
        save(record);
        return slot;
    }

    /**
     * The slots a new network's own claim (the saga) asks for besides its VLAN and block: none while a refill or another
     * saga that asks for slots is out. At full speed many new networks of a task claim at once while the stock is
     * empty: each asking for a full stock would take VLANs and blocks that mostly go back. A saga that asks is marked
     * out like a refill (its grant or refusal names the task, {@link #answered}).
     */
    int sagaStock(String physnet) {
        NetworkSlots record = record();
        if (config.size() == 0 || record.getRefills().contains(physnet)) {
            return 0;
        }
        List<String> refills = new ArrayList<>(record.getRefills());
        refills.add(physnet);
        record.setRefills(refills);
        save(record);
        return config.size();
    }

    /** A saga that asked for slots was answered (granted or refused): its physical network has no claim for slots out. */
    void answered(Grant grant) {
        NetworkSlots record = record();
        if (grant.getPhysicalNetwork() != null && record.getRefills().contains(grant.getPhysicalNetwork())) {
            List<String> refills = new ArrayList<>(record.getRefills());
            refills.remove(grant.getPhysicalNetwork());
            record.setRefills(refills);
            save(record);
        }
    }

    /**
     * A network was made from a grant: one more network of the task on its physical network, and the slots its claim
     * brought (if any) join the stock.
     */
    void networkMade(Grant grant) {
        if (off() && grant.getSlotVlans().isEmpty() && grant.getSlotBlocks().isEmpty()) {
            return;
        }
        NetworkSlots record = record();
        String physnet = grant.getPhysicalNetwork();
        Map<String, Integer> networks = new HashMap<>(record.getNetworks());
        networks.merge(physnet, 1, Integer::sum);
        record.setNetworks(networks);
        add(record, grant);
        save(record);
    }

    /**
     * A network was deleted (its VLAN and block go back to the pools as before): the task's last network of a physical
     * network takes that physical network's slots back to the pools with it, so that a task without networks there
     * holds none of its VLANs and blocks (a VLAN range can then be redefined, as before slots).
     */
    void networkDeleted(String physnet, String requestId, String project) {
        if (off()) {
            return;
        }
        NetworkSlots record = record();
        Map<String, Integer> networks = new HashMap<>(record.getNetworks());
        int left = networks.getOrDefault(physnet, 0) - 1; // a network made before slots existed was not counted: at least 0
        if (left > 0) {
            networks.put(physnet, left);
        } else {
            networks.remove(physnet);
            giveBack(physnet, record.getSlots().getOrDefault(physnet, List.of()), requestId, project);
            setSlots(record, physnet, List.of());
        }
        record.setNetworks(networks);
        save(record);
    }

    /** A refill's grant (or refusal): the physical network has no refill out any more; what it brought joins the stock. */
    void refilled(Grant grant) {
        NetworkSlots record = record();
        List<String> refills = new ArrayList<>(record.getRefills());
        refills.remove(grant.getPhysicalNetwork());
        record.setRefills(refills);
        add(record, grant);
        save(record);
    }

    /**
     * Pairs the grant's slot VLANs and blocks in order into slots of its physical network, up to the stock size and while
     * the task has a network there; every VLAN or block beyond goes back to the pools.
     */
    private void add(NetworkSlots record, Grant grant) {
        String physnet = grant.getPhysicalNetwork();
        List<Integer> vlans = grant.getSlotVlans();
        List<String> blocks = grant.getSlotBlocks();
        if (physnet == null || vlans.isEmpty() && blocks.isEmpty()) {
            return;
        }
        List<NetworkSlot> slots = new ArrayList<>(record.getSlots().getOrDefault(physnet, List.of()));
        boolean holds = record.getNetworks().getOrDefault(physnet, 0) > 0;
        List<NetworkSlot> back = new ArrayList<>();
        List<Integer> unpairedVlans = new ArrayList<>();
        List<String> unpairedBlocks = new ArrayList<>();
        for (int i = 0; i < Math.max(vlans.size(), blocks.size()); i++) {
            if (i >= blocks.size()) {
                unpairedVlans.add(vlans.get(i));
            } else if (i >= vlans.size()) {
                unpairedBlocks.add(blocks.get(i));
            } else {
                NetworkSlot slot = new NetworkSlot(vlans.get(i), blocks.get(i), grant.getGroupPrefix());
                (holds && slots.size() < config.size() ? slots : back).add(slot);
            }
        }
        setSlots(record, physnet, slots);
        giveBack(physnet, back, grant.getRequestId(), grant.getProject());
        unpairedVlans.forEach(vlan -> release(PoolKeys.vlan(physnet), new ReleaseVlan(vlan), grant.getRequestId(), grant.getProject()));
        unpairedBlocks.forEach(block -> release(PoolKeys.BLOCKS, new ReleaseBlock(block), grant.getRequestId(), grant.getProject()));
    }

    private void giveBack(String physnet, List<NetworkSlot> slots, String requestId, String project) {
        for (NetworkSlot slot : slots) {
            release(PoolKeys.vlan(physnet), new ReleaseVlan(slot.getVlan()), requestId, project);
            release(PoolKeys.BLOCKS, new ReleaseBlock(slot.getBlock()), requestId, project);
        }
    }

    private void release(String pool, Object op, String requestId, String project) {
        Grant grant = Grant.newBuilder().setRequestId(requestId).setProject(project).build();
        tx.emit(Sinks.PROJECT_CLAIMS, pool, Claim.newBuilder().setHops(List.of(PoolKeys.hop(pool, op))).setGrant(grant)
                .setReply(false).build());
    }
}
