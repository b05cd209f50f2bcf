package io.factnet.controller.project;

import io.factnet.controller.stage.NetworkStock;
import io.factnet.controller.stage.FloatingStock;
import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.controller.stage.StoreNames;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.GrantHoldings;
import io.factnet.controller.stage.KeyPartitions;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.controller.stage.SeenRequests;
import io.factnet.controller.stage.Results;
import io.factnet.controller.stage.Sinks;
import io.factnet.controller.stage.Tx;
import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.Claim;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.CreateVpn;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.DeleteVpn;
import io.factnet.model.DisassociateFloatingIp;
import io.factnet.model.Grant;
import io.factnet.model.GroupRecord;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRef;
import io.factnet.model.NodePublicKey;
import io.factnet.model.NodeRole;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Quotas;
import io.factnet.model.QueuedRequest;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SeenRequest;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.RequestRoutes.Scope;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project stage (key = project): the front door of every request. It checks the envelope (request id,
 * topic, key), keeps each project's requests in order (a request that waits for the pools' grant holds
 * the ones behind it in the project's queue), answers a repeated request id with its first result,
 * runs the command's handler in a transaction, and emits exactly one result per request.
 */
public final class ProjectProcessor implements Processor<String, Object, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(ProjectProcessor.class);

    /** The project of pool-wide admin commands. */
    public static final String ADMIN_PROJECT = RequestRoutes.ADMIN_PROJECT;

    private static final Map<Class<?>, Handler<?>> HANDLERS = Map.ofEntries(
            Map.entry(DefineVlanRange.class, AdminHandlers.VLAN_RANGE),
            Map.entry(DefineSupernet.class, AdminHandlers.SUPERNET),
            Map.entry(DefineFloatingPool.class, AdminHandlers.FLOATING_POOL),
            Map.entry(RegisterNode.class, AdminHandlers.REGISTER_NODE),
            Map.entry(SetProjectQuota.class, new AdminHandlers.SetQuota()),
            Map.entry(MoveNetwork.class, new NetworkHandlers.Move()),
            Map.entry(CreateNetwork.class, new NetworkHandlers.Create()),
            Map.entry(DeleteNetwork.class, new NetworkHandlers.Delete()),
            Map.entry(CreateSecurityGroup.class, new GroupHandlers.Create()),
            Map.entry(DeleteSecurityGroup.class, new GroupHandlers.Delete()),
            Map.entry(AddRule.class, new GroupHandlers.Add()),
            Map.entry(RemoveRule.class, new GroupHandlers.Remove()),
            Map.entry(AllocateFixedIp.class, new FixedIpHandlers.Allocate()),
            Map.entry(ReleaseFixedIp.class, new FixedIpHandlers.Release()),
            Map.entry(InstanceGone.class, new InstanceHandlers.Gone()),
            Map.entry(InstanceBack.class, new InstanceHandlers.Back()),
            Map.entry(AllocateFloatingIp.class, new FloatingIpHandlers.Allocate()),
            Map.entry(ReleaseFloatingIp.class, new FloatingIpHandlers.Release()),
            Map.entry(AssociateFloatingIp.class, new FloatingIpHandlers.Associate()),
            Map.entry(DisassociateFloatingIp.class, new FloatingIpHandlers.Disassociate()),
            Map.entry(io.factnet.model.SetAutoAssignFloatingIp.class, new FloatingIpHandlers.SetAutoAssign()),
            Map.entry(CreateVpn.class, new VpnHandlers.Create()),
            Map.entry(DeleteVpn.class, new VpnHandlers.Delete()),
            Map.entry(AddVpnPeer.class, new VpnHandlers.AddPeer()),
            Map.entry(RemoveVpnPeer.class, new VpnHandlers.RemovePeer()),
            Map.entry(LeaseGranted.class, new LeaseHandlers.Granted()),
            Map.entry(LeaseReleased.class, new LeaseHandlers.Released()),
            Map.entry(io.factnet.model.ReserveFixedAddress.class, new ReservationHandlers.Reserve()),
            Map.entry(io.factnet.model.UnreserveFixedAddress.class, new ReservationHandlers.Unreserve()),
            Map.entry(io.factnet.model.SetInstanceMetadata.class, new MetadataHandlers.SetMetadata()),
            Map.entry(io.factnet.model.MoveInstance.class, new FixedIpHandlers.Move()));

    private final long holdDownMillis;
    private final long releaseGoneAfterMillis;
    /** The size and low watermark of the projects' stocks of floating addresses (ADR 0039). */
    private final FloatingStock stock;
    /** The size and low watermark of the task's network slots per physical network (ADR 0044). */
    private final NetworkStock networkStock;
    private NetworkSlotStock slots;
    private final long retentionMillis;
    private final RequestOutcomes outcomes;
    private final Duration purgeInterval;
    /** Partitions of the project stage's inputs (co-partitioned): a record must be in its key's. */
    private final int partitions;
    private final Tx tx = new Tx();
    private ProcessorContext<String, Object> context;
    private ProjectStores stores;
    private KeyValueStore<String, SeenRequest> seenStore;
    private KeyValueStore<String, String> seenByTimeStore;
    private KeyValueStore<String, ProjectRecord> projectStore;
    private KeyValueStore<String, GroupRecord> groupStore;
    /** The record of the project whose input is being processed (a copy; saved at the end). */
    private ProjectRecord current;
    /** Whether the last {@link #guarded} step was rolled back (refused or failed). */
    private boolean rolledBack;
    /** Where the next sweep of empty project records starts. */
    private String sweepFrom = "";
    private static final int SWEEP_BATCH = 1000;

    /**
     * @param releaseGoneAfter how long an instance stays down before its fixed IP is released (zero: at its InstanceGone;
     *                         negative: never; ADR 0031)
     */
    public ProjectProcessor(Duration holdDown, Duration idempotencyRetention, RequestOutcomes outcomes, int partitions,
                            Duration releaseGoneAfter, FloatingStock stock,
                            NetworkStock networkStock) {
        this.stock = stock;
        this.networkStock = networkStock;
        this.releaseGoneAfterMillis = releaseGoneAfter.isNegative() ? -1 : releaseGoneAfter.toMillis();
        this.outcomes = outcomes;
        this.partitions = partitions;
        this.holdDownMillis = holdDown.toMillis();
        this.retentionMillis = idempotencyRetention.toMillis();
        this.purgeInterval = Duration.ofMillis(Math.max(1000, Math.min(retentionMillis / 10, 60_000)));
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.stores = new ProjectStores(tx, context);
        this.slots = new NetworkSlotStock(tx, stores.networkSlots, networkStock, context.taskId().partition());
        this.seenStore = context.getStateStore(StoreNames.REQUESTS_SEEN);
        this.seenByTimeStore = context.getStateStore(StoreNames.REQUESTS_SEEN_BY_TIME);
        this.projectStore = context.getStateStore(StoreNames.PROJECTS);
        this.groupStore = context.getStateStore(StoreNames.GROUPS);
        DerivedIndexes.rebuild(context);
        context.schedule(purgeInterval, PunctuationType.STREAM_TIME, this::forgetOldRequests);
    }

    @Override
    public void process(Record<String, Object> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        try {
            if (record.value() instanceof Grant grant && grant.getSlotRefill()) {
                onSlotRefill(grant, record.key(), where.partition());
            } else if (record.value() instanceof Grant grant && grant.getUnderlayChange()) {
                onUnderlayChange(grant, record.key(), where.partition());
            } else if (record.value() instanceof Grant grant && grant.getFloatingRefill()) {
                onRefill(grant, record.key(), where.partition());
            } else if (record.value() instanceof Grant grant) {
                onGrant(grant, record.key(), where.partition());
            } else if (record.value() instanceof Request request) {
                onRequest(request, record.key(), where.topic(), where.partition(), record.timestamp());
            } else {
                throw new IllegalArgumentException("unexpected input " + record.value().getClass().getName());
            }
            countResults();
            tx.commit(context, record.timestamp());
        } finally {
            tx.discard();
            current = null;
        }
    }

    /** Counts the results about to be emitted (every request's one result passes here). */
    private void countResults() {
        for (Tx.Output output : tx.outputsSince(Tx.START)) {
            if (output.value() instanceof Result result && Sinks.RESULTS.equals(output.child())) {
                outcomes.record(result);
            }
        }
    }

    // ------------------------------------------------------------------ requests

    private void onRequest(Request request, String key, String topic, int partition, long timestamp) {
        Object command = request.getCommand();
        String misplaced = KeyPartitions.misplaced(topic, key, partition, partitions);
        if (command instanceof AppliedAck ack && Topics.NODE_EVENTS.name().equals(topic)) {
            if (misplaced != null) { // no result to refuse it with; one node's acks in two tasks would show two "last" acks
                log.warn("applied ack ignored: {}", misplaced);
                return;
            }
            onAck(request, ack);
            return;
        }
        Rejected refused = envelope(request, key, topic);
        if (refused == null && misplaced != null) {
            refused = Rejected.invalid(misplaced); // run here, it would start a second state of the project in this task
        }
        if (refused != null) {
            // Not stored and not queued: the record may not even be in its project's partition. The result is keyed
            // by the request id as sent (results are found by it), up to a bound that keeps the result a small record.
            String id = answerableId(request.getRequestId());
            String project = request.getProject().length() > 128 ? request.getProject().substring(0, 128) : request.getProject();
            String message = id.length() < request.getRequestId().length()
                    ? refused.getMessage() + " (this one has " + request.getRequestId().length() + " characters; answered under its first "
                    + RequestRoutes.MAX_ANSWERED_REQUEST_ID + ")"
                    : refused.getMessage();
            tx.emit(Sinks.RESULTS, id, Results.askedBy(result(id, project, commandName(command), refused.reason(), message, null, List.of()),
                    request));
            return;
        }
        current = loadProject(request.getProject());
        QueuedRequest queued = QueuedRequest.newBuilder().setRequest(request).setTopic(topic).setTimestamp(timestamp).build();
        if (current.getBusy() || current.getQueueHead() < current.getQueueTail()) {
            stores.queue.put(queueKey(current.getQueueTail()), queued);
            current.setQueueTail(current.getQueueTail() + 1);
        } else {
            run(queued, false);
        }
        saveProject();
    }

    /**
     * The id a refused request is answered under: the id as sent, which its sender waits for, unless it is longer
     * than {@link RequestRoutes#MAX_ANSWERED_REQUEST_ID} (the client libraries refuse to send such an id): then its
     * start, so that the result stays a small record whatever the request carried.
     */
    static String answerableId(String requestId) {
        return requestId.length() > RequestRoutes.MAX_ANSWERED_REQUEST_ID
                ? requestId.substring(0, RequestRoutes.MAX_ANSWERED_REQUEST_ID) : requestId;
    }

    /**
     * Stores the project's record, unless it never held anything ({@link EmptyProjects}): then the decisions of
     * this input were refusals of a project nobody made, and nothing of it is stored but their request ids.
     */
    private void saveProject() {
        if (current.getDecided() == 0 && EmptyProjects.idle(current) && !ADMIN_PROJECT.equals(current.getProject())) {
            if (stores.projects.get(current.getProject()) != null) {
                stores.projects.delete(current.getProject());
            }
        } else {
            stores.projects.put(current.getProject(), current);
        }
    }

    /** Checks that need no state: the request id, which topic may carry the command, the project and the key. */
    static Rejected envelope(Request request, String key, String topic) {
        if (!Check.REQUEST_ID.matcher(request.getRequestId()).matches()) {
            return Rejected.invalid("requestId must be 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit");
        }
        // A command may arrive on the topic RequestRoutes sends it to; besides, operators may act for a project
        // on the admin topic. Nodes do not register themselves: whoever may write node events could then
        // register any node (ADR 0025).
        Scope scope = RequestRoutes.scopeOf(request);
        boolean allowed = scope.topic().name().equals(topic)
                || scope == Scope.PROJECT && Topics.ADMIN_REQUESTS.name().equals(topic);
        if (!allowed) {
            return new Rejected(Reason.UNAUTHORIZED, commandName(request.getCommand()) + " is not accepted on " + topic);
        }
        String project = request.getProject();
        if (scope == Scope.POOL_ADMIN) {
            if (!ADMIN_PROJECT.equals(project)) {
                return Rejected.invalid(commandName(request.getCommand()) + " is pool-wide: its project must be " + ADMIN_PROJECT);
            }
        } else if (!Check.NAME.matcher(project).matches()) {
            return Rejected.invalid("project must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit: "
                    + Check.quote(project));
        }
        if (!project.equals(key)) {
            return Rejected.invalid("the record key must be the project (" + Check.quote(project) + "), not " + Check.quote(key));
        }
        return null;
    }

    /** Runs one request of {@link #current}; queued: it is at the head of the project's queue. */
    private void run(QueuedRequest queued, boolean fromQueue) {
        Request request = queued.getRequest();
        SeenRequest seen = stores.seen.get(seenKey(request));
        if (SeenRequests.answers(seen)) {
            tx.emit(Sinks.RESULTS, request.getRequestId(), SeenRequests.answer(request.getProject(), request.getRequestId(), seen));
            if (fromQueue) {
                dequeue();
            }
            return;
        }
        long now = Math.max(current.getClock(), queued.getTimestamp());
        current.setClock(now);
        releaseDownInstances(request, now);
        Tx.Savepoint savepoint = tx.savepoint();
        ProjectContext ctx = new ProjectContext(stores, tx, current, request.getRequestId(), now, holdDownMillis, releaseGoneAfterMillis, stock, slots);
        Handled outcome = guarded(ctx, savepoint, () -> handler(request).handle(ctx, request.getCommand()));
        current = ctx.record;
        if (outcome instanceof Handled.Await await) {
            if (!fromQueue) {
                stores.queue.put(queueKey(current.getQueueTail()), queued);
                current.setQueueTail(current.getQueueTail() + 1);
            }
            current.setBusy(true);
            Claim claim = ctx.claim(await.hops(), true, await.seed());
            tx.emit(Sinks.PROJECT_CLAIMS, await.hops().get(0).getPool(), claim);
        } else {
            finish(request, (Handled.Done) outcome, savepoint, now);
            if (fromQueue) {
                dequeue();
            }
        }
    }

    /**
     * The operator's policy for crashed instances (ADR 0031): the fixed IPs of instances down for the release delay are
     * released when the project's clock passes it, that is before the first request of the project decided at or after
     * that time. Part of that request's transaction (its node entries name it) but not of its result: no one asked.
     */
    private void releaseDownInstances(Request request, long now) {
        if (releaseGoneAfterMillis < 0 || current.getInstancesDown() <= 0) {
            return;
        }
        Tx.Savepoint savepoint = tx.savepoint();
        ProjectRecord before = ProjectRecord.newBuilder(current).build();
        ProjectContext ctx = new ProjectContext(stores, tx, current, request.getRequestId(), now, holdDownMillis, releaseGoneAfterMillis, stock, slots);
        try {
            InstanceHandlers.releaseDue(ctx);
            current = ctx.record;
        } catch (RuntimeException e) {
            log.error("releasing the down instances of {} failed; left down", ctx.project, e);
            tx.rollbackTo(savepoint);
            current = before;
        }
    }

    // ------------------------------------------------------------------ grants

    private void onGrant(Grant grant, String key, int partition) {
        String misplaced = KeyPartitions.misplaced(Topics.INTERNAL_GRANTS.name(), key, partition, partitions);
        if (misplaced == null && grant.getSlotTask() != null && grant.getSlotTask() == slots.partition()) {
            slots.answered(grant); // a network's claim that asked for slots (ADR 0044), whatever becomes of the grant
        }
        current = misplaced != null || !grant.getProject().equals(key) ? null : stores.projects.get(grant.getProject());
        QueuedRequest head = current == null || !current.getBusy() ? null : stores.queue.get(queueKey(current.getQueueHead()));
        if (head == null || !head.getRequest().getRequestId().equals(grant.getRequestId())) {
            log.warn("grant for {} of {} matches no waiting request{}; what it holds goes back to the pools",
                    Check.quote(grant.getRequestId()), Check.quote(grant.getProject()), misplaced == null ? "" : " (" + misplaced + ")");
            giveBack(grant);
            current = null;
            return;
        }
        Request request = head.getRequest();
        Tx.Savepoint savepoint = tx.savepoint();
        ProjectContext ctx = new ProjectContext(stores, tx, current, request.getRequestId(), current.getClock(), holdDownMillis,
                releaseGoneAfterMillis, stock, slots);
        Handled.Done done = grant.getReason() != Reason.OK
                ? new Handled.Done(grant.getReason(), grant.getMessage(), null)
                : (Handled.Done) guarded(ctx, savepoint, () -> handler(request).granted(ctx, request.getCommand(), grant));
        if (grant.getReason() == Reason.OK && rolledBack) {
            giveBack(grant); // the handler refused or failed after the pools gave: nothing of the grant is used
        }
        current = ctx.record;
        current.setBusy(false);
        finish(request, done, savepoint, current.getClock());
        applyUnderlayNotices(request.getRequestId());
        dequeue();
        while (!current.getBusy() && current.getQueueHead() < current.getQueueTail()) {
            run(stores.queue.get(queueKey(current.getQueueHead())), true);
        }
        saveProject();
    }

    /**
     * A stock refill's grant (ADR 0039): no request waits for it, so no result; its addresses join the project's stock
     * (what exceeds the stock goes back), the pool's refill is no longer out. One whose project is gone (or that is
     * misplaced) goes back to the pools whole.
     */
    private void onRefill(Grant grant, String key, int partition) {
        String misplaced = KeyPartitions.misplaced(Topics.INTERNAL_GRANTS.name(), key, partition, partitions);
        current = misplaced != null || !grant.getProject().equals(key) ? null : stores.projects.get(grant.getProject());
        if (current == null) {
            log.warn("stock refill for {} matches no project{}; what it holds goes back to the pools", Check.quote(grant.getProject()),
                    misplaced == null ? "" : " (" + misplaced + ")");
            giveBack(grant);
            return;
        }
        ProjectContext ctx = new ProjectContext(stores, tx, current, grant.getRequestId(), current.getClock(), holdDownMillis,
                releaseGoneAfterMillis, stock, slots);
        String pool = grant.getFloatingPool();
        if (pool != null) {
            FloatingStocks.refilled(ctx, pool);
            if (grant.getReason() == Reason.OK) {
                FloatingStocks.add(ctx, pool, grant.getFloatingStock());
            }
        }
        stores.projects.put(ctx.record.getProject(), ctx.record);
    }

    /**
     * An underlay notice of the pool stage (ADR 0046): a node of the project's network registered again with another
     * underlay address. No request waits for it and it holds nothing; the project keeps the address and, when the node
     * serves its network, rewrites the bridge of every serving node (their VXLAN peers). It does not wait for the
     * project's queue: it changes no request's facts, only the address a later bridge names.
     */
    private void onUnderlayChange(Grant grant, String key, int partition) {
        String misplaced = KeyPartitions.misplaced(Topics.INTERNAL_GRANTS.name(), key, partition, partitions);
        current = misplaced != null || !grant.getProject().equals(key) ? null : stores.projects.get(grant.getProject());
        if (current == null) {
            log.warn("underlay notice for {} matches no project{}; ignored", Check.quote(grant.getProject()),
                    misplaced == null ? "" : " (" + misplaced + ")");
            return;
        }
        ProjectContext ctx = new ProjectContext(stores, tx, current, grant.getRequestId(), current.getClock(), holdDownMillis,
                releaseGoneAfterMillis, stock, slots);
        boolean changed = Hosts.relearn(ctx, grant.getUnderlays());
        if (current.getBusy()) {
            // the grant of the claim that is out may carry an older address of the node (given before it moved; any given
            // after is this one): kept, and applied again over that grant (applyUnderlayNotices)
            Map<String, String> notices = new TreeMap<>(current.getUnderlayNotices());
            notices.putAll(grant.getUnderlays());
            current.setUnderlayNotices(notices);
            changed = true;
        }
        if (changed) {
            stores.projects.put(ctx.record.getProject(), ctx.record);
        }
    }

    /** The underlay notices that came while the answered claim was out win over the addresses its grant carried. */
    private void applyUnderlayNotices(String requestId) {
        if (current.getUnderlayNotices().isEmpty()) {
            return;
        }
        Map<String, String> notices = current.getUnderlayNotices();
        current.setUnderlayNotices(new TreeMap<>());
        Hosts.relearn(new ProjectContext(stores, tx, current, requestId, current.getClock(), holdDownMillis, releaseGoneAfterMillis,
                stock, slots), notices);
    }

    /**
     * A network slot refill's grant (ADR 0044): no request waits for it, so no result; its VLANs and blocks join the
     * task's slots (what exceeds the stock goes back). One that is not this task's (misplaced, or sent by another task
     * before a change of partitions) goes back to the pools whole: a task holds only what it asked for.
     */
    private void onSlotRefill(Grant grant, String key, int partition) {
        String misplaced = KeyPartitions.misplaced(Topics.INTERNAL_GRANTS.name(), key, partition, partitions);
        if (misplaced != null || grant.getSlotTask() == null || grant.getSlotTask() != slots.partition()) {
            log.warn("network slot refill for task {} arrived at task {}{}; what it holds goes back to the pools", grant.getSlotTask(),
                    slots.partition(), misplaced == null ? "" : " (" + misplaced + ")");
            giveBack(grant);
            return;
        }
        slots.refilled(grant);
    }

    /** Sends back to the pools what a grant holds that no request takes. */
    private void giveBack(Grant grant) {
        for (Claim release : GrantHoldings.releases(grant)) {
            tx.emit(Sinks.PROJECT_CLAIMS, release.getHops().get(0).getPool(), release);
        }
    }

    // ------------------------------------------------------------------ acks

    /**
     * An applied ack has no result. It is kept as the node's last ack for its role (what the HTTP API and the
     * offset-lag metric show), and a tunneling node's public key goes on to its node record.
     */
    private void onAck(Request request, AppliedAck ack) {
        if (ack.getError() != null) {
            log.warn("node {} ({}) failed to apply up to offset {}: {}", Check.quote(ack.getNodeId()), ack.getRole(),
                    ack.getAppliedOffset(), Check.quote(ack.getError()));
        }
        try {
            Check.name("nodeId", ack.getNodeId());
        } catch (Rejected e) {
            log.warn("ack ignored: {}", e.getMessage());
            return;
        }
        stores.nodeAcks.put(NodeKeys.key(ack.getNodeId(), ack.getRole().name().toLowerCase(Locale.ROOT)), ack);
        if (ack.getRole() != NodeRole.TUNNELING || ack.getPublicKey() == null) {
            return;
        }
        try {
            Check.wireguardKey(ack.getPublicKey());
        } catch (Rejected e) {
            log.warn("public key of {} ignored: {}", ack.getNodeId(), e.getMessage());
            return;
        }
        Claim claim = Claim.newBuilder()
                .setHops(List.of(PoolKeys.hop(PoolKeys.NODES, new NodePublicKey(ack.getNodeId(), ack.getPublicKey()))))
                .setGrant(Grant.newBuilder().setRequestId(request.getRequestId()).setProject(ADMIN_PROJECT).build())
                .setReply(false).build();
        tx.emit(Sinks.PROJECT_CLAIMS, PoolKeys.NODES, claim);
    }

    // ------------------------------------------------------------------ helpers

    private interface Step {
        Handled run();
    }

    /** Runs a handler step; a refusal or a bug rolls its changes back and becomes a refused outcome. */
    private Handled guarded(ProjectContext ctx, Tx.Savepoint savepoint, Step step) {
        ProjectRecord before = ProjectRecord.newBuilder(ctx.record).build();
        rolledBack = true;
        try {
            Handled outcome = step.run();
            rolledBack = false;
            return outcome;
        } catch (Rejected e) {
            tx.rollbackTo(savepoint);
            ctx.record = before;
            return new Handled.Done(e.reason(), e.getMessage(), null);
        } catch (RuntimeException e) {
            log.error("request {} of {} failed; refused as INTERNAL and rolled back", ctx.requestId, ctx.project, e);
            tx.rollbackTo(savepoint);
            ctx.record = before;
            return new Handled.Done(Reason.INTERNAL, "internal error: " + e, null);
        }
    }

    @SuppressWarnings("unchecked")
    private static Handler<Object> handler(Request request) {
        return (Handler<Object>) HANDLERS.get(request.getCommand().getClass());
    }

    /** Emits the request's result and remembers it as the answer to a repeated request id. */
    private void finish(Request request, Handled.Done done, Tx.Savepoint savepoint, long now) {
        Set<NodeRef> touched = new LinkedHashSet<>();
        for (Tx.Output output : tx.outputsSince(savepoint)) {
            NodeRole role = Sinks.roleOf(output.child());
            if (role != null) {
                touched.add(new NodeRef(NodeKeys.nodeIdOf(output.key()), role));
            }
        }
        Result result = Results.askedBy(result(request.getRequestId(), request.getProject(), commandName(request.getCommand()),
                done.reason(), done.message(), done.allocation(), new ArrayList<>(touched)), request);
        if (current.getDecided() > 0 || !EmptyProjects.holdsNothing(current, hasGroups(current.getProject()))) {
            current.setDecided(current.getDecided() + 1);
            result.setSequence(current.getDecided());
        } else {
            // A decision of a project that does not exist and still holds nothing: not numbered, and the record is
            // not stored (saveProject). Its clock goes too, as if the request had never come (the reference model's view).
            current.setClock(0);
        }
        tx.emit(Sinks.RESULTS, request.getRequestId(), result);
        // The first answer is remembered also for a project that is not stored: a repeat of a refused release must
        // not release what the project got meanwhile. Request ids are forgotten after the retention, so this is bounded.
        if (done.reason() != Reason.INTERNAL) { // a bug's refusal is not the answer forever: a retry may succeed
            String key = seenKey(request);
            stores.seen.put(key, SeenRequests.of(now, result)); // what a repeat is answered with, not a copy (ADR 0045)
            stores.seenByTime.put(DerivedIndexes.seenByTimeKey(now, key), "");
        }
    }

    private Result result(String requestId, String project, String command, Reason reason, String message,
                          io.factnet.model.Allocation allocation, List<NodeRef> touched) {
        return Results.of(requestId, project, command, reason, message, allocation, touched,
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
    }

    static String commandName(Object command) {
        return Results.commandName(command);
    }

    private boolean hasGroups(String project) {
        return !stores.groups.scan(project + "/").isEmpty();
    }

    private ProjectRecord loadProject(String project) {
        ProjectRecord record = stores.projects.get(project);
        return record != null ? record
                : ProjectRecord.newBuilder().setProject(project).setQuotas(Quotas.newBuilder().build()).build();
    }

    private void dequeue() {
        stores.queue.delete(queueKey(current.getQueueHead()));
        current.setQueueHead(current.getQueueHead() + 1);
    }

    private String queueKey(long sequence) {
        return String.format("%s/%012d", current.getProject(), sequence);
    }

    private static boolean hasGroups(KeyValueStore<String, GroupRecord> groups, String project) {
        try (KeyValueIterator<String, GroupRecord> it = groups.prefixScan(project + "/", new StringSerializer())) {
            return it.hasNext();
        }
    }

    private static String seenKey(Request request) {
        return request.getProject() + "/" + request.getRequestId();
    }

    /**
     * Forgets request ids older than the retention (by event time): the first results of very old requests. Then
     * sweeps on through the project records ({@link #sweepEmptyProjects}).
     */
    private void forgetOldRequests(long streamTime) {
        long cutoff = streamTime - retentionMillis;
        List<KeyValue<String, String>> expired = new ArrayList<>();
        try (KeyValueIterator<String, String> it = seenByTimeStore.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> entry = it.next();
                if (Long.parseLong(entry.key.substring(0, 16)) >= cutoff) {
                    break;
                }
                expired.add(entry);
            }
        }
        for (KeyValue<String, String> entry : expired) {
            seenStore.delete(entry.key.substring(17));
            seenByTimeStore.delete(entry.key);
        }
        if (!expired.isEmpty()) {
            log.debug("forgot {} request ids older than {}", expired.size(), cutoff);
        }
        sweepEmptyProjects(cutoff);
    }

    /**
     * Purges the project records that hold nothing and whose request ids are all forgotten ({@link EmptyProjects}):
     * a project's clock is its latest decision's time, so below the cutoff none of its ids is remembered. A sweep
     * looks at {@value #SWEEP_BATCH} records per run, from where the last one stopped, so it also finds the records
     * that refused requests left before issue 16, whose ids were forgotten long ago.
     */
    private void sweepEmptyProjects(long cutoff) {
        List<String> purge = new ArrayList<>();
        try (KeyValueIterator<String, ProjectRecord> it = projectStore.range(sweepFrom, null)) {
            String last = null;
            for (int i = 0; i < SWEEP_BATCH && it.hasNext(); i++) {
                KeyValue<String, ProjectRecord> entry = it.next();
                last = entry.key;
                ProjectRecord record = entry.value;
                if (record.getClock() < cutoff && EmptyProjects.idle(record)
                        && EmptyProjects.holdsNothing(record, hasGroups(groupStore, entry.key))) {
                    purge.add(entry.key);
                }
            }
            sweepFrom = last != null && it.hasNext() ? last + "\0" : ""; // the next key after the last one seen
        }
        purge.forEach(projectStore::delete);
        if (!purge.isEmpty()) {
            log.debug("purged {} project records that hold nothing and decided nothing since {}", purge.size(), cutoff);
        }
    }
}
