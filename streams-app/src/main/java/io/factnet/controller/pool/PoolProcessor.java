package io.factnet.controller.pool;

import io.factnet.controller.stage.StoreNames;
import io.factnet.controller.stage.GrantHoldings;
import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.Sinks;
import io.factnet.controller.stage.Tx;
import io.factnet.model.Claim;
import io.factnet.model.ClaimHop;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.Grant;
import io.factnet.model.MoveRole;
import io.factnet.model.NodePublicKey;
import io.factnet.model.PlaceNetwork;
import io.factnet.model.PlaceVpn;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseBlock;
import io.factnet.model.ReleasePlacement;
import io.factnet.model.ReleaseVlan;
import io.factnet.model.ReleaseVpn;
import io.factnet.model.ReturnFloatingIp;
import io.factnet.model.TakeBlock;
import io.factnet.model.TakeFloatingIp;
import io.factnet.model.TakeVlan;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool stage (key = pool id): the only writer of each global allocator. A claim carries a routing
 * slip; this stage does the first hop, then sends the claim on to the next hop's pool, or the grant back
 * to the project. When a hop refuses, the hops before it are compensated (their takes released) and the
 * project gets the refusal. Releases are claims without reply.
 */
public final class PoolProcessor implements Processor<String, Object, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(PoolProcessor.class);

    private final Tx tx = new Tx();
    /** Partitions of factnet.internal.claims. */
    private final int partitions;
    private ProcessorContext<String, Object> context;
    private PoolContext pools;

    public PoolProcessor(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.pools = new PoolContext(tx, tx.store(context.getStateStore(StoreNames.VLAN_POOLS)),
                tx.store(context.getStateStore(StoreNames.BLOCK_POOLS)),
                tx.store(context.getStateStore(StoreNames.FLOATING_POOLS)),
                tx.store(context.getStateStore(StoreNames.NODES)));
    }

    @Override
    public void process(Record<String, Object> record) {
        Claim claim = (Claim) record.value();
        try {
            handle(claim, record.key(), context.recordMetadata().orElseThrow().partition());
            tx.commit(context, record.timestamp());
        } finally {
            tx.discard();
        }
    }

    private void handle(Claim claim, String key, int partition) {
        List<ClaimHop> hops = claim.getHops();
        Grant grant = Grant.newBuilder(claim.getGrant()).build();
        if (hops.isEmpty() || !hops.get(0).getPool().equals(key)) {
            log.error("claim of {} arrived under key {} but is for {}; dropped", grant.getRequestId(), key,
                    hops.isEmpty() ? "no pool" : hops.get(0).getPool());
            return;
        }
        // A pool's state lives in the task of its key's partition: a claim done elsewhere would give from a second copy.
        String misplaced = KeyPartitions.misplaced(Topics.INTERNAL_CLAIMS.name(), key, partition, partitions);
        if (misplaced != null) {
            log.error("claim of {} refused: {}", grant.getRequestId(), misplaced);
            refuse(claim, grant, Reason.INTERNAL, "claim refused at pool " + key + ": " + misplaced);
            return;
        }
        ClaimHop hop = hops.get(0);
        Tx.Savepoint savepoint = tx.savepoint();
        try {
            String message = apply(hop, grant);
            if (message != null) {
                grant.setMessage(message);
            }
            if (hops.size() > 1) {
                List<ClaimHop> rest = new ArrayList<>(hops.subList(1, hops.size()));
                tx.emit(Sinks.POOL_CLAIMS, rest.get(0).getPool(),
                        Claim.newBuilder(claim).setHops(rest).setGrant(grant).build());
            } else if (claim.getReply()) {
                tx.emit(Sinks.GRANTS, grant.getProject(), grant);
            }
        } catch (Rejected e) {
            tx.rollbackTo(savepoint);
            refuse(claim, grant, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            tx.rollbackTo(savepoint);
            log.error("claim {} of {} at {} failed", hop.getOp().getClass().getSimpleName(), grant.getRequestId(),
                    hop.getPool(), e);
            refuse(claim, grant, Reason.INTERNAL, "internal error at pool " + hop.getPool() + ": " + e);
        }
    }

    /** Releases what the earlier hops of the slip took, and tells the project why its claim was refused. */
    private void refuse(Claim claim, Grant taken, Reason reason, String message) {
        for (Claim release : GrantHoldings.releases(taken)) {
            tx.emit(Sinks.POOL_CLAIMS, release.getHops().get(0).getPool(), release);
        }
        if (claim.getReply()) {
            Grant refusal = Grant.newBuilder().setRequestId(taken.getRequestId())
                    .setProject(taken.getProject()).setReason(reason).setMessage(message).build();
            if (taken.getFloatingRefill()) { // the project clears its refill of this pool (ADR 0039)
                refusal.setFloatingRefill(true);
                refusal.setFloatingPool(taken.getFloatingPool());
            }
            if (taken.getSlotTask() != null) { // the task clears its claim for slots of this physical network (ADR 0044)
                refusal.setSlotRefill(taken.getSlotRefill());
                refusal.setSlotTask(taken.getSlotTask());
                refusal.setPhysicalNetwork(taken.getPhysicalNetwork());
            }
            tx.emit(Sinks.GRANTS, taken.getProject(), refusal);
        } else {
            log.warn("release for {} of {} refused: {}", taken.getRequestId(), taken.getProject(), message);
        }
    }

    /** Does one hop; returns a message for pool-wide admin commands, null otherwise. */
    private String apply(ClaimHop hop, Grant grant) {
        Object op = hop.getOp();
        String pool = hop.getPool();
        if (op instanceof TakeVlan take) {
            VlanPools.take(pools, pool.substring(PoolKeys.VLAN_PREFIX.length()), take, grant);
        } else if (op instanceof ReleaseVlan release) {
            VlanPools.release(pools, pool.substring(PoolKeys.VLAN_PREFIX.length()), release.getVlan());
        } else if (op instanceof DefineVlanRange define) {
            return VlanPools.define(pools, define);
        } else if (op instanceof TakeBlock take) {
            BlockPools.take(pools, take, grant);
        } else if (op instanceof ReleaseBlock release) {
            BlockPools.release(pools, release.getCidr());
        } else if (op instanceof DefineSupernet define) {
            return BlockPools.define(pools, define);
        } else if (op instanceof TakeFloatingIp take) {
            FloatingPools.take(pools, take, grant);
        } else if (op instanceof io.factnet.model.CheckFloatingPool check) {
            FloatingPools.require(pools, check.getPool());
        } else if (op instanceof ReturnFloatingIp release) {
            FloatingPools.release(pools, release.getPool(), release.getAddress());
            for (String more : release.getMore()) {
                FloatingPools.release(pools, release.getPool(), more);
            }
        } else if (op instanceof DefineFloatingPool define) {
            return FloatingPools.define(pools, define);
        } else if (op instanceof PlaceNetwork) {
            NodePool.placeNetwork(pools, grant);
        } else if (op instanceof PlaceVpn place) {
            NodePool.placeVpn(pools, grant, place.getPreferNode(),
                    new NetworkSite(grant.getProject(), place.getPhysicalNetwork(), place.getVlan()));
        } else if (op instanceof MoveRole move) {
            NodePool.move(pools, move, grant);
        } else if (op instanceof ReleasePlacement release) {
            NodePool.releasePlacement(pools, release.getNodes(), grant.getProject());
        } else if (op instanceof ReleaseVpn release) {
            NodePool.releaseVpn(pools, release.getNodeId(), release.getPort(), grant.getProject());
        } else if (op instanceof RegisterNode register) {
            return NodePool.register(pools, register, grant.getRequestId());
        } else if (op instanceof io.factnet.model.BindHost bind) {
            NodePool.bindHost(pools, bind, grant);
        } else if (op instanceof io.factnet.model.UnbindHost unbind) {
            NodePool.unbindHost(pools, unbind.getNodeId(), grant.getProject());
        } else if (op instanceof NodePublicKey key) {
            NodePool.publicKey(pools, key.getNodeId(), key.getPublicKey());
        } else {
            throw new IllegalArgumentException("unknown claim " + op.getClass().getName());
        }
        return null;
    }
}
