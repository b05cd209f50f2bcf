package io.factnet.client;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows what became of many requests at once, by the rule of {@code factnet request --wait-applied}:
 * a request is applied on a node when an {@link AppliedAck} of that node and role covers the last
 * record the request wrote to the node's partition of the role topic. One consumer on its own thread
 * reads {@code factnet.results}, {@code factnet.node-events} and the watched roles' topics with
 * {@code assign()} (no group, no offsets left behind) and read_committed, from their end at start.
 *
 * <p>A result is committed in the same transaction as the request's node records, and a producer
 * writes a transaction's records before its commit markers: once the result is seen, the node
 * partition's log end offset (read_uncommitted: its last stable offset may still lag, since the
 * markers reach the partitions one by one, and another controller's open transaction may hold it
 * back) lies past all of them. When the read_committed reader's position reaches that offset, every
 * transaction below it is decided, and the last offset carrying the request's id (header
 * {@value NodeKeys#REQUEST_ID_HEADER}, tombstones too) is the one to wait for.
 */
public final class OutcomeTracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutcomeTracker.class);
    /** The name of the tracker's thread (the bench counts its CPU as the load driver's). */
    public static final String THREAD_NAME = "factnet-outcome-tracker";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Comparator<Waiting> BY_OFFSET = Comparator.comparingLong(Waiting::offset);

    /** A request's wait on one node: first for the reader to pass {@code offset} (the log end), then for an ack of {@code offset} (its last record). */
    private record Waiting(Tracked request, NodeTarget node, long offset) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    /** Only asked for log end offsets (read_uncommitted); never assigned. */
    private final KafkaConsumer<String, byte[]> logEnds;
    private final Set<NodeRole> watched;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Map<NodeTarget, AppliedAck> lastAcks = new ConcurrentHashMap<>();
    private final Map<NodeRole, Integer> partitionCounts = new EnumMap<>(NodeRole.class);
    private final RecordDecoder<Result> results;
    /** Set for a load driver: results read for status, touched nodes and allocated address only. */
    private final LeanResults lean;
    private final AtomicLong endOffsetRequests = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong recordsRead = new AtomicLong();
    private final RecordDecoder<Request> events;
    private final Map<NodeRole, RecordDecoder<?>> entries = new EnumMap<>(NodeRole.class);
    private final Thread thread;
    // tracker thread only
    private final List<Tracked> newlyAccepted = new ArrayList<>();
    private final Map<NodeTarget, PriorityQueue<Waiting>> readerBehind = new HashMap<>();
    private final Map<NodeTarget, PriorityQueue<Waiting>> ackBehind = new HashMap<>();
    private final Map<NodeTarget, Long> acked = new HashMap<>();
    /** The last end offset asked of each node partition: asked again only for an ack at or past it. */
    private final Map<TopicPartition, Long> knownEnds = new HashMap<>();
    /** Each node's last ack that covers what it applied (clean, or naming what it did not apply). */
    private final Map<NodeTarget, AppliedAck> covering = new HashMap<>();
    /** The acks of the current poll, applied once the end offsets they need are known (one request per poll). */
    private final List<AppliedAck> newAcks = new ArrayList<>();
    /** Where a failed apply on a node that a tracked request waits for is told (a client's stderr), or null. */
    private final Consumer<String> warn;
    /** The last failure told of each node, so that the same one again is not told again (tracker thread only). */
    private final Map<NodeTarget, String> told = new HashMap<>();
    private volatile boolean closing;
    private volatile Throwable failure;

    /**
     * Starts following from the current end of the topics (they must exist: the controller makes them).
     *
     * @param kafka   connection settings (bootstrap servers, security); group and offsets are not used
     * @param watched the roles whose agents run: a result's touched nodes of other roles are not waited for
     */
    public OutcomeTracker(Map<String, Object> kafka, SchemaRegistryClient registry, Set<NodeRole> watched) {
        this(kafka, registry, watched, false, null);
    }

    /**
     * @param leanResults read of each result only its status, the nodes it touched and an allocated
     *                    address, as a load driver needs (the {@link Result}s given then have only
     *                    those and the request id set; a refusal is read whole)
     * @param warn        told when a node that a tracked request waits for fails to apply (it retries), or null
     */
    public OutcomeTracker(Map<String, Object> kafka, SchemaRegistryClient registry, Set<NodeRole> watched, boolean leanResults,
                          Consumer<String> warn) {
        this.watched = Set.copyOf(watched);
        this.warn = warn;
        this.lean = leanResults ? new LeanResults(registry) : null;
        Map<String, Object> props = new HashMap<>(kafka);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-outcome-tracker");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10); // a waiting client: answer as soon as anything is there
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "factnet-outcome-tracker-log-ends");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        this.logEnds = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.results = new RecordDecoder<>(Topics.RESULTS.valueDeserializer(registry));
        this.events = new RecordDecoder<>(Topics.NODE_EVENTS.valueDeserializer(registry));
        List<TopicPartition> partitions = new ArrayList<>(partitionsOf(Topics.RESULTS));
        if (!this.watched.isEmpty()) { // results alone need no read right on the node topics (a gateway's, say)
            partitions.addAll(partitionsOf(Topics.NODE_EVENTS));
        }
        for (NodeRole role : this.watched) {
            Topic<String, ?> topic = Topics.forRole(role);
            List<TopicPartition> rolePartitions = partitionsOf(topic);
            partitionCounts.put(role, rolePartitions.size());
            partitions.addAll(rolePartitions);
            entries.put(role, new RecordDecoder<>(Topics.forRole(role).valueDeserializer(registry)));
        }
        consumer.assign(partitions);
        consumer.endOffsets(partitions).forEach(consumer::seek);
        partitions.forEach(consumer::position); // fixes the start now, before the first request is sent
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    private List<TopicPartition> partitionsOf(Topic<String, ?> topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic.name() + " does not exist (the controller creates factnet's topics)");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    /** Follows a request: call before sending it. */
    public Tracked track(String requestId, long sentNanos) {
        Throwable failed = failure;
        if (failed != null) {
            throw new IllegalStateException("the outcome tracker stopped: " + failed.getMessage(), failed);
        }
        Tracked request = new Tracked(requestId, sentNanos);
        if (tracked.putIfAbsent(requestId, request) != null) {
            throw new IllegalArgumentException("request id " + requestId + " is tracked already");
        }
        return request;
    }

    /** Stops following a request (one whose result was all its sender wanted). */
    public void forget(Tracked request) {
        tracked.remove(request.requestId(), request);
    }

    /** How many times the tracker asked the broker for log end offsets (at most once per poll). */
    public long endOffsetRequests() {
        return endOffsetRequests.get();
    }

    /** How many polls returned records, and how many records they returned in all: {polls, records}. */
    public long[] pollsAndRecords() {
        return new long[] {polls.get(), recordsRead.get()};
    }

    /** The last ack of every agent seen since the start (errors included). */
    public Map<NodeTarget, AppliedAck> lastAcks() {
        return Map.copyOf(lastAcks);
    }

    private void run() {
        try {
            while (!closing) {
                var records = consumer.poll(POLL);
                long now = System.nanoTime();
                if (!records.isEmpty()) {
                    polls.incrementAndGet();
                    recordsRead.addAndGet(records.count());
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    String topic = record.topic();
                    if (topic.equals(Topics.RESULTS.name())) {
                        onResult(record, now);
                    } else if (topic.equals(Topics.NODE_EVENTS.name())) {
                        onEvent(record, now);
                    } else {
                        onNodeRecord(record);
                    }
                }
                resolve(now);
            }
        } catch (WakeupException e) {
            if (!closing) {
                fail(e);
            }
        } catch (RuntimeException | Error e) {
            log.error("the outcome tracker stopped", e);
            fail(e);
        } finally {
            consumer.close();
            logEnds.close();
        }
    }

    private void fail(Throwable e) {
        failure = e;
        tracked.values().forEach(t -> t.failed(new IllegalStateException("the outcome tracker stopped: " + e.getMessage(), e)));
    }

    private void onResult(ConsumerRecord<String, byte[]> record, long now) {
        Tracked request = record.key() == null ? null : tracked.get(record.key());
        if (request == null || record.value() == null || request.result().isDone()) {
            return;
        }
        Result result;
        try {
            result = lean != null ? lean.read(record) : results.value(record);
            if (lean != null && result.getStatus() != Status.ACCEPTED) {
                result = results.value(record); // a refusal's reason and message are the point
            }
        } catch (BadRecordException e) {
            log.warn("skipped an unreadable result: {}", e.getMessage());
            return;
        }
        Set<NodeTarget> nodes = new HashSet<>();
        if (result.getStatus() == Status.ACCEPTED) {
            for (NodeRef ref : result.getTouched()) {
                if (watched.contains(ref.getRole())) {
                    nodes.add(NodeTarget.of(ref));
                }
            }
        }
        nodes.forEach(node -> request.waitingFor.put(node, "the end of its records"));
        request.resultSeen(result, now, !nodes.isEmpty());
        if (nodes.isEmpty()) {
            request.appliedAt(now);
            tracked.remove(request.requestId(), request); // not a later request sent under the same id
        } else {
            newlyAccepted.add(request);
        }
    }

    private void onEvent(ConsumerRecord<String, byte[]> record, long now) {
        if (record.value() == null || record.key() == null || record.key().indexOf('/') < 0) {
            return; // acks are keyed node/role; leases and registrations by project
        }
        AppliedAck ack;
        try {
            if (!(events.value(record).getCommand() instanceof AppliedAck a)) {
                return;
            }
            ack = a;
        } catch (BadRecordException e) {
            log.warn("skipped an unreadable node event: {}", e.getMessage());
            return;
        }
        NodeTarget node = new NodeTarget(ack.getNodeId(), ack.getRole());
        lastAcks.put(node, ack);
        if (ack.getError() != null) {
            tell(node, ack);
        }
        Integer partitions = partitionCounts.get(ack.getRole());
        if ((ack.getError() != null && ack.getNotApplied() == null) || partitions == null
                || ack.getPartition() != NodeKeys.partition(ack.getNodeId(), partitions)) {
            return; // a failed apply covers nothing; it is kept in lastAcks for the messages
        }
        newAcks.add(ack); // applied in resolve(), in order, with the end offsets of this poll
    }

    /** Tells the warn consumer of a failed apply on a node some tracked request waits for, once per failure. */
    private void tell(NodeTarget node, AppliedAck ack) {
        if (warn == null || ack.getError().equals(told.get(node))
                || tracked.values().stream().noneMatch(t -> t.waitingFor.containsKey(node))) {
            return;
        }
        told.put(node, ack.getError());
        warn.accept(node.nodeId() + " " + node.role() + " failed to apply up to offset " + ack.getAppliedOffset() + ": "
                + ack.getError() + " (waiting for a retry)");
    }

    /**
     * An ack's offset bounded by the end of the node's partition as the ack is read. Acks are not
     * authenticated, and the highest one counts: a forged ack far past the end would count every later
     * change as applied. A real ack comes after its records, so the end is past them (ADR 0025). An end
     * asked after the ack was read is such an end; so is one asked earlier that already lies past it.
     */
    private long bounded(NodeTarget node, long offset) {
        Long end = knownEnds.get(partitionOf(node));
        return Math.min(offset, end - 1);
    }

    /** Whether an ack's offset needs a fresher end of its partition than the last one asked. */
    private boolean needsEnd(AppliedAck ack) {
        Long end = knownEnds.get(partitionOf(new NodeTarget(ack.getNodeId(), ack.getRole())));
        return end == null || ack.getAppliedOffset() >= end;
    }

    private void onNodeRecord(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(NodeKeys.REQUEST_ID_HEADER);
        String requestId = header != null ? new String(header.value(), StandardCharsets.UTF_8) : requestIdOfValue(record);
        Tracked request = requestId == null ? null : tracked.get(requestId);
        if (request == null || record.key() == null || record.key().indexOf('/') <= 0) {
            return;
        }
        NodeTarget node = new NodeTarget(NodeKeys.nodeIdOf(record.key()), roleOf(record.topic()));
        request.lastOffsets.put(node, record.offset());
        request.resources.computeIfAbsent(node, n -> new HashSet<>()).add(NodeKeys.resourceOf(record.key()));
    }

    /** Records of older controllers may lack the header: the entry's own requestId field then. */
    private String requestIdOfValue(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            Object value = entries.get(roleOf(record.topic())).value(record);
            SpecificRecord entry = (SpecificRecord) value;
            Schema.Field field = entry.getSchema().getField("requestId");
            return field == null ? null : String.valueOf(entry.get(field.pos()));
        } catch (BadRecordException e) {
            return null;
        }
    }

    private NodeRole roleOf(String topic) {
        for (NodeRole role : watched) {
            if (Topics.forRole(role).name().equals(topic)) {
                return role;
            }
        }
        throw new IllegalStateException("not a watched role topic: " + topic);
    }

    private TopicPartition partitionOf(NodeTarget node) {
        return new TopicPartition(Topics.forRole(node.role()).name(), NodeKeys.partition(node.nodeId(), partitionCounts.get(node.role())));
    }

    /**
     * Gives new results their end offsets and bounds new acks by them, finds the last records of those
     * the reader has passed, releases what is acked. The end offsets of a poll's results and acks come
     * from one request to the broker, made after the poll (so after every record it read).
     */
    private void resolve(long now) {
        Set<TopicPartition> wanted = new HashSet<>();
        Map<NodeTarget, TopicPartition> partitions = new LinkedHashMap<>();
        for (Tracked request : newlyAccepted) {
            request.waitingFor.keySet().forEach(node -> wanted.add(partitions.computeIfAbsent(node, this::partitionOf)));
        }
        for (AppliedAck ack : newAcks) {
            if (needsEnd(ack)) {
                wanted.add(partitionOf(new NodeTarget(ack.getNodeId(), ack.getRole())));
            }
        }
        if (!wanted.isEmpty()) {
            endOffsetRequests.incrementAndGet();
            knownEnds.putAll(logEnds.endOffsets(wanted));
        }
        if (!newlyAccepted.isEmpty()) {
            for (Tracked request : newlyAccepted) {
                for (NodeTarget node : request.waitingFor.keySet()) {
                    long end = knownEnds.get(partitions.get(node));
                    readerBehind.computeIfAbsent(node, n -> new PriorityQueue<>(BY_OFFSET)).add(new Waiting(request, node, end));
                }
            }
            newlyAccepted.clear();
        }
        for (AppliedAck ack : newAcks) {
            NodeTarget node = new NodeTarget(ack.getNodeId(), ack.getRole());
            acked.merge(node, bounded(node, ack.getAppliedOffset()), Math::max);
            covering.put(node, ack);
            release(node, now);
        }
        newAcks.clear();
        for (Map.Entry<NodeTarget, PriorityQueue<Waiting>> entry : readerBehind.entrySet()) {
            PriorityQueue<Waiting> queue = entry.getValue();
            if (queue.isEmpty()) {
                continue;
            }
            NodeTarget node = entry.getKey();
            long position = consumer.position(partitionOf(node));
            while (!queue.isEmpty() && queue.peek().offset() <= position) {
                Tracked request = queue.poll().request();
                Long last = request.lastOffsets.get(node);
                if (last == null) {
                    request.failed(new IllegalStateException("request " + request.requestId() + " was accepted and touched "
                            + node + ", but wrote no record to " + partitionOf(node)));
                    tracked.remove(request.requestId(), request);
                    continue;
                }
                request.waitingFor.put(node, "an ack of offset " + last + " of " + partitionOf(node));
                ackBehind.computeIfAbsent(node, n -> new PriorityQueue<>(BY_OFFSET)).add(new Waiting(request, node, last));
            }
            release(node, now);
        }
    }

    private void release(NodeTarget node, long now) {
        PriorityQueue<Waiting> queue = ackBehind.get(node);
        Long upTo = acked.get(node);
        if (queue == null || upTo == null) {
            return;
        }
        AppliedAck ack = covering.get(node);
        List<Waiting> held = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().offset() <= upTo) {
            Waiting waiting = queue.poll();
            Tracked request = waiting.request();
            if (AppliedAcks.holdsBack(ack, request.resources.getOrDefault(node, Set.of()))) {
                // the node applied up to here but not this request's change: a later ack (its retry) will say
                request.waitingFor.put(node, "an ack of offset " + waiting.offset() + " that applied it (last: " + ack.getError() + ")");
                held.add(waiting);
                continue;
            }
            request.waitingFor.remove(node);
            TopicPartition partition = partitionOf(node);
            request.appliedOn.put(node, new Applied(node.nodeId(), node.role(), partition.topic(), partition.partition(),
                    waiting.offset(), ack.getAppliedOffset(), ack.getApplyMillis(), ack.getPublicKey()));
            if (request.waitingFor.isEmpty() && !request.applied().isDone()) {
                request.appliedAt(now);
                tracked.remove(request.requestId(), request);
            }
        }
        queue.addAll(held);
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
