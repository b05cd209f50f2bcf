package io.factnet.node.runtime;

import io.factnet.model.NodeRole;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
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
    private volatile AgentStatus status = new AgentStatus(false, 0, 0, 0, 0, 0, -1, null, -1, -1, null);
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
        this.records = new NodeRecords<>(settings.nodeId(), decoder, (key, e) ->
                // The resource keeps its last good entry: a record we cannot read must not delete a network.
                log.error("{}: skipped {} (key {})", settings.nodeId(), e.getMessage(), io.factnet.node.net.Printable.quote(key)));
        this.schedule = settings.schedule();
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
    public java.util.Optional<Throwable> crash() {
        return java.util.Optional.ofNullable(crash);
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
            stopped.countDown();
        }
    }

    private void loop() {
        String name = settings.nodeId() + "/" + settings.role().name().toLowerCase(Locale.ROOT);
        TopicPartition partition = awaitPartition();
        PartitionReplay replay = PartitionReplay.begin(consumer, partition);
        startedAt = clock.getAsLong();
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
                log.info("{}: replayed {} records ({} for this node, {} bad) in {} ms", name, records.read(),
                        records.desired().size(), records.bad(), clock.getAsLong() - start);
            }
            reconciler.pollEvents(events);
            if (caughtUp) {
                ApplySchedule.Sync due = schedule.due(clock.getAsLong());
                if (due != ApplySchedule.Sync.NONE) {
                    boolean first = syncs == 0;
                    sync(partition.partition(), due == ApplySchedule.Sync.FULL || lastSyncFailed);
                    if (first) {
                        log.info("{}: first apply done {} ms after start ({} entries)", name, firstSyncMillis,
                                records.desired().size());
                    }
                }
            }
            refreshStatus();
        }
    }

    /** Publishes the counters to {@link #status()}; also before an ack goes out, so a reader of the ack sees them. */
    private void refreshStatus() {
        status = new AgentStatus(caughtUp, records.read(), records.bad(), syncs, applies, failures, appliedOffset, lastError,
                replayMillis, firstSyncMillis, lastSync);
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
            sleepQuietly(500);
        }
        throw new WakeupException();
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        if (records.accept(record)) {
            ownRecordSinceAck = true;
            schedule.changed(clock.getAsLong());
        }
    }

    private void sync(int partition, boolean verify) {
        long offset = records.lastOffset();
        long began = clock.getAsLong();
        SortedMap<String, V> snapshot = records.desired().snapshot();
        syncs++;
        try {
            SyncReport report = reconciler.sync(snapshot, verify);
            lastSync = report;
            schedule.succeeded(clock.getAsLong());
            long millis = clock.getAsLong() - began;
            if (report.changed()) {
                applies++;
                log.info("{}/{}: applied {} entries up to offset {} in {} ms (render {} ms, apply {} ms) {}",
                        settings.nodeId(), roleName(), snapshot.size(), offset, millis, report.renderMillis(),
                        report.applyMillis(), report.counts());
            }
            String error = report.rejected().isEmpty() ? null : rejectedSummary(report.rejected());
            if (error != null && (report.changed() || ownRecordSinceAck)) {
                log.warn("{}/{}: {}", settings.nodeId(), roleName(), error);
            }
            boolean ack = report.changed() || ownRecordSinceAck || lastSyncFailed || syncs == 1;
            appliedOffset = offset;
            ownRecordSinceAck = false;
            lastSyncFailed = false;
            lastError = error;
            if (firstSyncMillis < 0) {
                firstSyncMillis = clock.getAsLong() - startedAt;
            }
            if (ack) {
                refreshStatus();
                publishAck(partition, report.counts(), millis, error);
            }
        } catch (Exception e) {
            failures++;
            lastSyncFailed = true;
            long retryIn = schedule.failed(clock.getAsLong());
            lastError = "apply failed: " + e.getMessage();
            if (e instanceof NotReadyException) {
                log.warn("{}/{}: {} (full retry in {} ms)", settings.nodeId(), roleName(), lastError, retryIn);
            } else {
                log.error("{}/{}: {} (keeping the last good state; full retry in {} ms)", settings.nodeId(), roleName(),
                        lastError, retryIn, e);
            }
            publishAck(partition, Map.of(), clock.getAsLong() - began, truncate(lastError));
        }
    }

    private void publishAck(int partition, Map<String, Long> counts, long millis, String error) {
        try {
            events.publish(NodeEvents.ack(settings.nodeId(), settings.role(), partition, appliedOffset,
                    counts, millis, error, reconciler.publicKey().orElse(null)));
        } catch (RuntimeException e) {
            log.error("{}/{}: cannot publish the applied ack: {}", settings.nodeId(), roleName(), e.getMessage());
        }
    }

    private static String rejectedSummary(List<SyncReport.Rejection> rejected) {
        return truncate("rejected " + rejected.size() + " entries: "
                + rejected.stream().limit(10).map(Object::toString).collect(Collectors.joining("; ")));
    }

    private static String truncate(String text) {
        return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "..." : text;
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
