package io.factnet.node.runtime;

import io.factnet.model.NodeRole;
import io.factnet.net.Printable;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node agent: reads its node's partition of its role topic from the beginning (no consumer
 * group, no committed offsets: the compacted topic is the state), keeps the node's desired state in
 * memory, syncs once caught up, then syncs changes in debounced batches and resyncs periodically.
 * Every sync is acked on factnet.node-events with the highest offset it reflects.
 */
public final class NodeAgent<V extends SpecificRecord> implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int MAX_ERROR_CHARS = 2000;

    private final AgentSettings settings;
    private final Topic<String, V> topic;
    private final Consumer<String, byte[]> consumer;
    private final RoleReconciler<V> reconciler;
    private final NodeEventSink events;
    private final LongSupplier clock;
    private final NodeRecords<V> records;
    private final ApplySchedule schedule;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean closing;
    private volatile Throwable crash;
    private Thread thread;
    private final Optional<LastGoodState<V>> saved;
    private volatile AgentStatus status = AgentStatus.initial();
    private boolean caughtUp;
    private long startedAt;
    private long syncs;
    private long applies;
    private long failures;
    private long appliedOffset = -1;
    private boolean ownRecordSinceAck;
    private boolean lastSyncFailed;
    private String lastError;
    private long replayMillis = -1;
    private long firstSyncMillis = -1;
    private SyncReport lastSync;
    /**
     * The last complete desired state read (this run, or kept on the node from an earlier one), null before;
     * kept up to date change by change (an incremental apply must not copy the whole state).
     */
    private TreeMap<String, V> lastGood;
    private long lastGoodOffset = -1;
    /** The last good state changed since it was last handed to the file's writer. */
    private boolean saveDue;
    /**
     * The next sync must be a whole one: nothing applied yet, or since the last whole sync something failed or
     * the kernel was given another state (the last good one while not ready). Otherwise a change sync hands
     * the reconciler only the changed entries (ADR 0026).
     */
    private boolean wholeSyncDue = true;
    private long consecutiveFailures;
    private long badLogged;
    /** Why the desired state is not applied (records that cannot be read), null when it is. */
    private String notReady;

    public NodeAgent(AgentSettings settings, Topic<String, V> topic, Consumer<String, byte[]> consumer,
                     RecordDecoder<V> decoder, RoleReconciler<V> reconciler, NodeEventSink events, LongSupplier clock) {
        if (reconciler.role() != settings.role()) {
            throw new IllegalArgumentException("a " + reconciler.role() + " reconciler in a " + settings.role() + " agent");
        }
        this.settings = settings;
        this.topic = topic;
        this.consumer = consumer;
        this.reconciler = reconciler;
        this.events = events;
        this.clock = clock;
        this.records = new NodeRecords<>(settings.nodeId(), decoder, (key, e) -> {
            // Not applied until it reads (or a later record replaces it): ADR 0022. A lost schema makes every
            // record of it unreadable: the first few are logged, then one in a thousand (the sync says how many).
            if (badLogged++ < 10 || badLogged % 1000 == 0) {
                log.error("{}: cannot read {} (key {}); the last good state stays until it reads",
                        settings.nodeId(), Printable.line(e.getMessage(), MAX_ERROR_CHARS), Printable.quote(key));
            }
        });
        this.schedule = settings.schedule();
        this.saved = settings.lastGoodFile().map(file -> new LastGoodState<>(file, topic.valueType()));
    }

    public AgentStatus status() {
        return status;
    }

    public NodeRole role() {
        return settings.role();
    }

    /** Runs the agent on its own thread; {@link #close} stops it. */
    public synchronized NodeAgent<V> start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this, "factnet-" + settings.nodeId() + "-" + roleName());
        thread.start();
        return this;
    }

    /** The error that ended the agent's loop, if one did. */
    public Optional<Throwable> crash() {
        return Optional.ofNullable(crash);
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (WakeupException e) {
            if (!closing) {
                crash = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            crash = e;
            log.error("{}/{}: agent stopped: {}", settings.nodeId(), roleName(), e.getMessage(), e);
            throw e;
        } finally {
            consumer.close();
            saveDue = saveDue && lastGood != null;
            saved.ifPresent(state -> {
                if (saveDue) {
                    state.saveLater(new LastGoodState.Snapshot<>(lastGoodOffset, new TreeMap<>(lastGood)));
                }
                state.close();
            });
            stopped.countDown();
        }
    }

    private void loop() {
        String name = settings.nodeId() + "/" + settings.role().name().toLowerCase(Locale.ROOT);
        startedAt = clock.getAsLong();
        LastGoodState.Snapshot<V> kept = loadSaved();
        if (kept != null) {
            lastGood = new TreeMap<>(kept.entries());
            lastGoodOffset = kept.offset();
        }
        TopicPartition partition = awaitPartition();
        PartitionReplay replay = PartitionReplay.begin(consumer, partition);
        long start = startedAt;
        log.info("{}: replaying {} from offset {} to {}", name, partition, replay.start(), replay.end());
        while (!closing) {
            long wait = caughtUp ? Math.min(POLL.toMillis(), schedule.millisUntilDue(clock.getAsLong())) : POLL.toMillis();
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(wait))) {
                accept(record);
            }
            if (!caughtUp && replay.caughtUp()) {
                caughtUp = true;
                replayMillis = clock.getAsLong() - start;
                log.info("{}: replayed {} records ({} entries for this node, {} cannot be read) in {} ms", name, records.read(),
                        records.desired().size(), records.unreadableCount(), clock.getAsLong() - start);
            }
            if (!caughtUp) {
                enforceSavedIfLate(partition.partition());
            }
            reconciler.pollEvents(events);
            if (caughtUp) {
                ApplySchedule.Sync due = schedule.due(clock.getAsLong());
                if (due != ApplySchedule.Sync.NONE) {
                    boolean first = firstSyncMillis < 0;
                    sync(partition.partition(), due == ApplySchedule.Sync.FULL || lastSyncFailed);
                    if (first && firstSyncMillis >= 0) {
                        log.info("{}: first apply done {} ms after start ({} entries)", name, firstSyncMillis,
                                records.desired().size());
                    }
                }
            }
            saveIfIdle();
            refreshStatus();
        }
    }

    /**
     * Hands the last good state to the file's writer when it changed and the writer is idle: the copy it
     * needs (the whole state) is made at most once per write, not once per change.
     */
    private void saveIfIdle() {
        if (saveDue && lastGood != null && saved.isPresent() && saved.get().idle()) {
            saved.get().saveLater(new LastGoodState.Snapshot<>(lastGoodOffset, new TreeMap<>(lastGood)));
            saveDue = false;
        }
    }

    /** The state kept on the node by an earlier run, if any (a file that cannot be read is reported and ignored). */
    private LastGoodState.Snapshot<V> loadSaved() {
        if (saved.isEmpty()) {
            return null;
        }
        try {
            LastGoodState.Snapshot<V> snapshot = saved.get().load().orElse(null);
            if (snapshot != null) {
                log.info("{}/{}: the last good state kept on the node has {} entries up to offset {}", settings.nodeId(),
                        roleName(), snapshot.entries().size(), snapshot.offset());
            }
            return snapshot;
        } catch (RuntimeException e) {
            log.error("{}/{}: {}", settings.nodeId(), roleName(), e.getMessage());
            return null;
        }
    }

    /**
     * A node whose replay does not catch up (Kafka away after a reboot) enforces the state kept on it
     * rather than nothing: its firewall's drop and NAT are back without Kafka. Once, before the first sync.
     */
    private void enforceSavedIfLate(int partition) {
        if (syncs > 0 || lastGood == null || clock.getAsLong() - startedAt < settings.enforceSavedAfter().toMillis()) {
            return;
        }
        notReady = "the replay of its topic has not caught up after " + (clock.getAsLong() - startedAt) + " ms";
        log.warn("{}/{}: {}; applying the last good state kept on the node", settings.nodeId(), roleName(), notReady);
        enforceLastGood(partition, true);
    }

    /** Publishes the counters to {@link #status()}; also before an ack goes out, so a reader of the ack sees them. */
    private void refreshStatus() {
        status = new AgentStatus(
                new AgentStatus.Replay(caughtUp, records.read(), records.bad(), records.unreadableCount(), replayMillis),
                new AgentStatus.Syncs(syncs, applies, failures, consecutiveFailures, firstSyncMillis, lastSync, lastError),
                appliedOffset, notReady);
    }

    private TopicPartition awaitPartition() {
        long warned = 0;
        while (!closing) {
            List<PartitionInfo> partitions;
            try {
                partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                partitions = List.of();
            }
            if (partitions != null && !partitions.isEmpty()) {
                return new TopicPartition(topic.name(), NodeKeys.partition(settings.nodeId(), partitions.size()));
            }
            if (clock.getAsLong() - warned > 10_000) {
                log.warn("{}: topic {} does not exist yet; waiting for the controller to create it", settings.nodeId(), topic);
                warned = clock.getAsLong();
            }
            enforceSavedIfLate(-1);
            sleepQuietly(500);
        }
        throw new WakeupException();
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        boolean wasComplete = records.complete();
        if (records.accept(record)) {
            ownRecordSinceAck = true;
            schedule.changed(clock.getAsLong());
            if (!wasComplete && records.complete()) {
                schedule.retryNow(clock.getAsLong()); // the record that could not be read was replaced or deleted
            }
        }
    }

    private void sync(int partition, boolean verify) {
        if (!records.complete() && records.retryUnreadable() > 0 && records.complete()) {
            log.info("{}/{}: every record of this node reads again", settings.nodeId(), roleName());
        }
        if (!records.complete()) {
            notReady = unreadableSummary();
            enforceLastGood(partition, verify);
            long retryIn = schedule.failed(clock.getAsLong());
            lastSyncFailed = true;
            log.error("{}/{}: not ready: {}; the kernel keeps the last good state{} (reading again in {} ms)",
                    settings.nodeId(), roleName(), notReady,
                    lastGood == null ? " (none known: nothing applied)" : " up to offset " + lastGoodOffset, retryIn);
            return;
        }
        notReady = null;
        long offset = records.lastOffset();
        long began = clock.getAsLong();
        boolean whole = verify || wholeSyncDue || lastGood == null;
        // Whatever fails from here on makes the next sync a whole one (kube-proxy's rule: any failure, a full sync).
        wholeSyncDue = true;
        Map<String, V> changes = records.desired().drainChanges();
        SortedMap<String, V> snapshot = whole ? records.desired().snapshot() : null;
        if (whole) {
            remember(offset, snapshot);
        } else {
            remember(offset, changes);
        }
        int size = lastGood.size();
        syncs++;
        try {
            SyncReport report = whole ? reconciler.sync(snapshot, verify)
                    : reconciler.apply(java.util.Collections.unmodifiableMap(changes),
                            () -> java.util.Collections.unmodifiableSortedMap(new TreeMap<>(lastGood)));
            lastSync = report;
            long millis = clock.getAsLong() - began;
            if (report.changed()) {
                applies++;
                log.info("{}/{}: applied {} entries up to offset {} in {} ms (render {} ms, apply {} ms) {}",
                        settings.nodeId(), roleName(), whole ? snapshot.size() + "" : changes.size() + " changed of " + size,
                        offset, millis, report.renderMillis(),
                        report.applyMillis(), report.counts());
            }
            String error = notAppliedSummary(report);
            if (error != null && (report.changed() || ownRecordSinceAck || !report.failed().isEmpty())) {
                log.warn("{}/{}: {}", settings.nodeId(), roleName(), error);
            }
            boolean ack = report.changed() || ownRecordSinceAck || lastSyncFailed || firstSyncMillis < 0
                    || !report.failed().isEmpty();
            if (report.failed().isEmpty()) {
                schedule.succeeded(clock.getAsLong());
                lastSyncFailed = false;
                wholeSyncDue = false;
            } else {
                // What failed is retried in full after the backoff; the rest is applied and acked as such.
                schedule.failed(clock.getAsLong());
                lastSyncFailed = true;
            }
            appliedOffset = offset;
            ownRecordSinceAck = false;
            // A sync that could apply none of its entries is a failure, whatever it did not throw.
            consecutiveFailures = !report.failed().isEmpty() && report.notApplied().size() >= size
                    ? consecutiveFailures + 1 : 0;
            lastError = error;
            if (firstSyncMillis < 0) {
                firstSyncMillis = clock.getAsLong() - startedAt;
            }
            if (ack) {
                refreshStatus();
                publishAck(partition, report.counts(), millis, error, report.notApplied());
            }
        } catch (Exception e) {
            failed(partition, began, e);
        }
    }

    /**
     * While some record of this node cannot be read, the desired state is partial and is not applied
     * (ADR 0022): the kernel keeps the last complete state, which a verify sync still enforces (it repairs
     * drift, and after a restart it is the state kept on the node, not an empty one). The ack says why,
     * at the offset of that state, so no request after it is reported applied.
     */
    private void enforceLastGood(int partition, boolean verify) {
        syncs++;
        long began = clock.getAsLong();
        Map<String, Long> counts = Map.of();
        String error = "not ready: " + notReady;
        wholeSyncDue = true; // the kernel is given the last good state, not the desired one
        if (lastGood == null) {
            error += "; nothing applied (no complete state known): the kernel is left as it is";
        } else {
            try {
                SyncReport report = reconciler.sync(java.util.Collections.unmodifiableSortedMap(new TreeMap<>(lastGood)), verify);
                lastSync = report;
                counts = report.counts();
                if (report.changed()) {
                    applies++;
                }
                appliedOffset = Math.max(appliedOffset, lastGoodOffset);
                consecutiveFailures = 0;
                error += "; the node keeps the last good state up to offset " + lastGoodOffset;
            } catch (Exception e) {
                failures++;
                consecutiveFailures++;
                error += "; applying the last good state failed: " + e.getMessage();
            }
        }
        lastError = Printable.line(error, MAX_ERROR_CHARS);
        refreshStatus();
        if (partition >= 0) {
            publishAck(partition, counts, clock.getAsLong() - began, lastError, null);
        }
    }

    /** Keeps the complete desired state as the last good one, on the node too when it changed. */
    private void remember(long offset, SortedMap<String, V> snapshot) {
        boolean changed = lastGood == null || !lastGood.equals(snapshot);
        lastGood = new TreeMap<>(snapshot);
        lastGoodOffset = offset;
        saveDue |= changed;
    }

    /** The same, from the last good state and the entries changed since (null: deleted). */
    private void remember(long offset, Map<String, V> changes) {
        changes.forEach((resource, entry) -> {
            V before = entry == null ? lastGood.remove(resource) : lastGood.put(resource, entry);
            saveDue |= !java.util.Objects.equals(before, entry);
        });
        lastGoodOffset = offset;
    }

    private void failed(int partition, long began, Exception e) {
        failures++;
        consecutiveFailures++;
        lastSyncFailed = true;
        long retryIn = schedule.failed(clock.getAsLong());
        lastError = Printable.line("apply failed: " + e.getMessage(), MAX_ERROR_CHARS);
        if (e instanceof NotReadyException) {
            log.warn("{}/{}: {} (full retry in {} ms)", settings.nodeId(), roleName(), lastError, retryIn);
        } else {
            log.error("{}/{}: {} (keeping the last good state; full retry in {} ms)", settings.nodeId(), roleName(),
                    lastError, retryIn, e);
        }
        publishAck(partition, Map.of(), clock.getAsLong() - began, lastError, null);
    }

    private String unreadableSummary() {
        NodeRecords.Unreadable first = records.firstUnreadable().orElseThrow();
        return records.unreadableCount() + " record(s) of this node cannot be read, the oldest " + Printable.quote(first.resource())
                + " at offset " + first.record().offset() + ": " + Printable.line(rootMessage(first.error()), 300);
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return String.valueOf(cause.getMessage());
    }

    private void publishAck(int partition, Map<String, Long> counts, long millis, String error, List<String> notApplied) {
        try {
            events.publish(NodeEvents.ack(settings.nodeId(), settings.role(), partition, appliedOffset,
                    counts, millis, error, reconciler.publicKey().orElse(null), notApplied));
        } catch (RuntimeException e) {
            log.error("{}/{}: cannot publish the applied ack: {}", settings.nodeId(), roleName(), e.getMessage());
        }
    }

    /** The ack's error for entries not applied: rejected ones (invalid) and failed ones (retried); null when none. */
    private static String notAppliedSummary(SyncReport report) {
        String text = Stream.of(listed("failed", " (retrying)", report.failed()), listed("rejected", "", report.rejected()))
                .filter(part -> !part.isEmpty()).collect(Collectors.joining("; "));
        return text.isEmpty() ? null : Printable.line(text, MAX_ERROR_CHARS);
    }

    private static String listed(String what, String note, List<SyncReport.Rejection> entries) {
        return entries.isEmpty() ? "" : what + " " + entries.size() + " entries" + note + ": "
                + entries.stream().limit(10).map(Object::toString).collect(Collectors.joining("; "));
    }

    private String roleName() {
        return settings.role().name().toLowerCase(Locale.ROOT);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loop started by {@link #start} and waits for it to end; the loop closes the consumer. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closing = true;
            running = thread;
        }
        if (running == null) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
