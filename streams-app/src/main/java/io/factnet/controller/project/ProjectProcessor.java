package io.factnet.controller.project;

import io.factnet.controller.RequestOutcomes;
import io.factnet.controller.StoreNames;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
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
import io.factnet.model.Status;
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
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
            Map.entry(InstanceGone.class, new FixedIpHandlers.Gone()),
            Map.entry(AllocateFloatingIp.class, new FloatingIpHandlers.Allocate()),
            Map.entry(ReleaseFloatingIp.class, new FloatingIpHandlers.Release()),
            Map.entry(AssociateFloatingIp.class, new FloatingIpHandlers.Associate()),
            Map.entry(DisassociateFloatingIp.class, new FloatingIpHandlers.Disassociate()),
            Map.entry(CreateVpn.class, new VpnHandlers.Create()),
            Map.entry(DeleteVpn.class, new VpnHandlers.Delete()),
            Map.entry(AddVpnPeer.class, new VpnHandlers.AddPeer()),
            Map.entry(RemoveVpnPeer.class, new VpnHandlers.RemovePeer()),
            Map.entry(LeaseGranted.class, new LeaseHandlers.Granted()),
            Map.entry(LeaseReleased.class, new LeaseHandlers.Released()));

    private final long holdDownMillis;
    private final long retentionMillis;
    private final RequestOutcomes outcomes;
    private final Duration purgeInterval;
    private final Tx tx = new Tx();
    private ProcessorContext<String, Object> context;
    private ProjectStores stores;
    private KeyValueStore<String, SeenRequest> seenStore;
    private KeyValueStore<String, String> seenByTimeStore;
    /** The record of the project whose input is being processed (a copy; saved at the end). */
    private ProjectRecord current;

    public ProjectProcessor(Duration holdDown, Duration idempotencyRetention, RequestOutcomes outcomes) {
        this.outcomes = outcomes;
        this.holdDownMillis = holdDown.toMillis();
        this.retentionMillis = idempotencyRetention.toMillis();
        this.purgeInterval = Duration.ofMillis(Math.max(1000, Math.min(retentionMillis / 10, 60_000)));
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.stores = new ProjectStores(tx, context);
        this.seenStore = context.getStateStore(StoreNames.REQUESTS_SEEN);
        this.seenByTimeStore = context.getStateStore(StoreNames.REQUESTS_SEEN_BY_TIME);
        context.schedule(purgeInterval, PunctuationType.STREAM_TIME, this::forgetOldRequests);
    }

    @Override
    public void process(Record<String, Object> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        try {
            if (record.value() instanceof Grant grant) {
                onGrant(grant);
            } else if (record.value() instanceof Request request) {
                onRequest(request, record.key(), topic, record.timestamp());
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

    private void onRequest(Request request, String key, String topic, long timestamp) {
        Object command = request.getCommand();
        if (command instanceof AppliedAck ack && Topics.NODE_EVENTS.name().equals(topic)) {
            onAck(request, ack);
            return;
        }
        Rejected refused = envelope(request, key, topic);
        if (refused != null) {
            // Not stored and not queued: the record may not even be in its project's partition.
            String id = request.getRequestId().length() > 128 ? request.getRequestId().substring(0, 128) : request.getRequestId();
            String project = request.getProject().length() > 128 ? request.getProject().substring(0, 128) : request.getProject();
            tx.emit(Sinks.RESULTS, id, result(id, project, commandName(command), refused.reason(), refused.getMessage(),
                    null, List.of()));
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
        stores.projects.put(current.getProject(), current);
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
        if (seen != null && seen.getFirstResult() != null) {
            tx.emit(Sinks.RESULTS, request.getRequestId(), seen.getFirstResult());
            if (fromQueue) {
                dequeue();
            }
            return;
        }
        long now = Math.max(current.getClock(), queued.getTimestamp());
        current.setClock(now);
        Tx.Savepoint savepoint = tx.savepoint();
        ProjectContext ctx = new ProjectContext(stores, tx, current, request.getRequestId(), now, holdDownMillis);
        Outcome outcome = guarded(ctx, savepoint, () -> handler(request).handle(ctx, request.getCommand()));
        current = ctx.record;
        if (outcome instanceof Outcome.Await await) {
            if (!fromQueue) {
                stores.queue.put(queueKey(current.getQueueTail()), queued);
                current.setQueueTail(current.getQueueTail() + 1);
            }
            current.setBusy(true);
            Claim claim = ctx.claim(await.hops(), true);
            tx.emit(Sinks.PROJECT_CLAIMS, await.hops().get(0).getPool(), claim);
        } else {
            finish(request, (Outcome.Done) outcome, savepoint, now);
            if (fromQueue) {
                dequeue();
            }
        }
    }

    // ------------------------------------------------------------------ grants

    private void onGrant(Grant grant) {
        current = stores.projects.get(grant.getProject());
        QueuedRequest head = current == null || !current.getBusy() ? null : stores.queue.get(queueKey(current.getQueueHead()));
        if (head == null || !head.getRequest().getRequestId().equals(grant.getRequestId())) {
            log.warn("grant for {} of {} matches no waiting request; ignored", grant.getRequestId(), grant.getProject());
            current = null;
            return;
        }
        Request request = head.getRequest();
        Tx.Savepoint savepoint = tx.savepoint();
        ProjectContext ctx = new ProjectContext(stores, tx, current, request.getRequestId(), current.getClock(), holdDownMillis);
        Outcome.Done done = grant.getReason() != Reason.OK
                ? new Outcome.Done(grant.getReason(), grant.getMessage(), null)
                : (Outcome.Done) guarded(ctx, savepoint, () -> handler(request).granted(ctx, request.getCommand(), grant));
        current = ctx.record;
        current.setBusy(false);
        finish(request, done, savepoint, current.getClock());
        dequeue();
        while (!current.getBusy() && current.getQueueHead() < current.getQueueTail()) {
            run(stores.queue.get(queueKey(current.getQueueHead())), true);
        }
        stores.projects.put(current.getProject(), current);
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
        Outcome run();
    }

    /** Runs a handler step; a refusal or a bug rolls its changes back and becomes a refused outcome. */
    private Outcome guarded(ProjectContext ctx, Tx.Savepoint savepoint, Step step) {
        ProjectRecord before = ProjectRecord.newBuilder(ctx.record).build();
        try {
            return step.run();
        } catch (Rejected e) {
            tx.rollbackTo(savepoint);
            ctx.record = before;
            return new Outcome.Done(e.reason(), e.getMessage(), null);
        } catch (RuntimeException e) {
            log.error("request {} of {} failed; refused as INTERNAL and rolled back", ctx.requestId, ctx.project, e);
            tx.rollbackTo(savepoint);
            ctx.record = before;
            return new Outcome.Done(Reason.INTERNAL, "internal error: " + e, null);
        }
    }

    @SuppressWarnings("unchecked")
    private static Handler<Object> handler(Request request) {
        return (Handler<Object>) HANDLERS.get(request.getCommand().getClass());
    }

    /** Emits the request's result and remembers it as the answer to a repeated request id. */
    private void finish(Request request, Outcome.Done done, Tx.Savepoint savepoint, long now) {
        Set<NodeRef> touched = new LinkedHashSet<>();
        for (Tx.Output output : tx.outputsSince(savepoint)) {
            NodeRole role = Sinks.roleOf(output.child());
            if (role != null) {
                touched.add(new NodeRef(NodeKeys.nodeIdOf(output.key()), role));
            }
        }
        Result result = result(request.getRequestId(), request.getProject(), commandName(request.getCommand()),
                done.reason(), done.message(), done.allocation(), new ArrayList<>(touched));
        current.setDecided(current.getDecided() + 1);
        result.setSequence(current.getDecided());
        tx.emit(Sinks.RESULTS, request.getRequestId(), result);
        if (done.reason() != Reason.INTERNAL) { // a bug's refusal is not the answer forever: a retry may succeed
            String key = seenKey(request);
            stores.seen.put(key, SeenRequest.newBuilder().setTimestamp(now).setFirstResult(result).build());
            stores.seenByTime.put(String.format("%016d/%s", now, key), "");
        }
    }

    private Result result(String requestId, String project, String command, Reason reason, String message,
                          io.factnet.model.Allocation allocation, List<NodeRef> touched) {
        return Result.newBuilder().setRequestId(requestId).setProject(project).setCommand(command)
                .setStatus(reason == Reason.OK ? Status.ACCEPTED : Status.REJECTED).setReason(reason)
                .setMessage(message).setCompletedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setAllocated(allocation).setTouched(touched).build();
    }

    static String commandName(Object command) {
        return command instanceof SpecificRecord record ? record.getSchema().getName() : String.valueOf(command);
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

    private static String seenKey(Request request) {
        return request.getProject() + "/" + request.getRequestId();
    }

    /** Forgets request ids older than the retention (by event time): the first results of very old requests. */
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
    }
}
