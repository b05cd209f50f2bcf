package io.factnet.cli.bench;

import io.factnet.topics.Topics;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;

/**
 * What the broker wrote during a measurement, counted from its own log segments: every topic's
 * partitions (Kafka's internal topics, the controller's changelogs and factnet's topics alike) between
 * their log end offsets before and after. Each offset is one record or one transaction marker (a
 * control batch of one record, COMMIT or ABORT, on every partition a transaction wrote to, internal
 * {@code __consumer_offsets} included); the scan of the segments tells the two apart, and counts the
 * bytes of the batches. The offsets themselves are the check: a scan that finds fewer (compaction ran
 * over the window, a segment was deleted) says so.
 */
final class BrokerLogCount {

    /** The families of topics, in the order they are printed. */
    enum Family {
        INPUTS("inputs"), OUTPUTS("outputs"), SAGA("saga"), CHANGELOGS("changelogs"), KAFKA_INTERNAL("kafka internal"), MARKERS("markers");

        final String label;

        Family(String label) {
            this.label = label;
        }
    }

    private static final Set<String> INPUTS = Set.of(Topics.REQUESTS.name(), Topics.ADMIN_REQUESTS.name(), Topics.NODE_EVENTS.name());
    private static final Set<String> SAGA = Set.of(Topics.INTERNAL_CLAIMS.name(), Topics.INTERNAL_GRANTS.name());

    /** One topic's writes in the window: data records, markers, their batches' bytes, and the offsets the window spans. */
    record TopicCount(String topic, long records, long markers, long bytes, long offsets) {
    }

    /** Every topic's writes in the window (topics with none left out). */
    record Counts(Map<String, TopicCount> topics) {

        long records(Family family) {
            if (family == Family.MARKERS) {
                return topics.values().stream().mapToLong(TopicCount::markers).sum();
            }
            return topics.values().stream().filter(t -> familyOf(t.topic()) == family).mapToLong(TopicCount::records).sum();
        }

        long bytes(Family family) {
            return topics.values().stream().filter(t -> familyOf(t.topic()) == family).mapToLong(TopicCount::bytes).sum();
        }

        long offsets() {
            return topics.values().stream().mapToLong(TopicCount::offsets).sum();
        }

        long scanned() {
            return topics.values().stream().mapToLong(t -> t.records() + t.markers()).sum();
        }

        /** e.g. {@code 14.21 records per request: inputs 1.00, outputs 3.22, ... (markers counted apart)}. */
        String perRequest(int requests) {
            long all = 0;
            List<String> parts = new ArrayList<>();
            for (Family family : Family.values()) {
                long n = records(family);
                all += n;
                parts.add(String.format(Locale.ROOT, "%s %.2f", family.label, (double) n / requests));
            }
            long writtenByController = records(Family.OUTPUTS) + records(Family.SAGA) + records(Family.CHANGELOGS);
            String check = scanned() == offsets() ? "" : String.format(Locale.ROOT,
                    "; the scan found %,d of the %,d offsets (compaction or retention ran over the window)", scanned(), offsets());
            return String.format(Locale.ROOT, "records per request, from the broker's logs: %.2f in all = %s;"
                            + " the controller's outputs, saga and changelogs %.2f; %.0f bytes per request in all%s",
                    (double) all / requests, String.join(", ", parts), (double) writtenByController / requests,
                    (double) topics.values().stream().mapToLong(TopicCount::bytes).sum() / requests, check);
        }

        /** e.g. {@code factnet.results 1.00 (0.10 markers)}, most records first. */
        String perTopic(int requests) {
            return topics.values().stream()
                    .sorted(Comparator.comparingLong((TopicCount t) -> t.records() + t.markers()).reversed().thenComparing(TopicCount::topic))
                    .map(t -> String.format(Locale.ROOT, "%s %.2f%s", t.topic(), (double) t.records() / requests,
                            t.markers() == 0 ? "" : String.format(Locale.ROOT, " +%.2f markers", (double) t.markers() / requests)))
                    .collect(Collectors.joining(", "));
        }
    }

    private BrokerLogCount() {
    }

    static Family familyOf(String topic) {
        if (INPUTS.contains(topic)) {
            return Family.INPUTS;
        }
        if (SAGA.contains(topic)) {
            return Family.SAGA;
        }
        if (topic.endsWith("-changelog")) {
            return Family.CHANGELOGS;
        }
        if (topic.startsWith("__") || topic.endsWith("-repartition")) {
            return Family.KAFKA_INTERNAL;
        }
        return Family.OUTPUTS; // results, dead letters, state, node topics, and anything else written in the window
    }

    /** The log end offset (read_uncommitted: markers included) of every partition of every topic, internal ones too. */
    static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
            topic.partitions().forEach(p -> latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(30, TimeUnit.SECONDS)
                .forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    /** Scans the segments in {@code logDir} (the broker's log.dirs) for the offsets between the two readings. */
    static Counts count(Path logDir, Map<TopicPartition, Long> before, Map<TopicPartition, Long> after) {
        Map<String, long[]> byTopic = new TreeMap<>(); // records, markers, bytes, offsets
        for (Map.Entry<TopicPartition, Long> end : after.entrySet()) {
            long from = before.getOrDefault(end.getKey(), 0L);
            long to = end.getValue();
            if (to <= from) {
                continue;
            }
            long[] counts = byTopic.computeIfAbsent(end.getKey().topic(), t -> new long[4]);
            counts[3] += to - from;
            scan(logDir.resolve(end.getKey().topic() + "-" + end.getKey().partition()), from, to, counts);
        }
        Map<String, TopicCount> topics = new LinkedHashMap<>();
        byTopic.forEach((topic, c) -> topics.put(topic, new TopicCount(topic, c[0], c[1], c[2], c[3])));
        return new Counts(topics);
    }

    /** Adds the data records, markers and bytes of offsets [from, to) of one partition's folder to {@code counts}. */
    static void scan(Path partitionDir, long from, long to, long[] counts) {
        List<Path> segments;
        try (Stream<Path> files = Files.list(partitionDir)) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        } catch (IOException e) {
            return; // not on this broker's disk: the offsets still count, the scan says it found fewer
        }
        for (int i = 0; i < segments.size(); i++) {
            if (i + 1 < segments.size() && baseOffset(segments.get(i + 1)) <= from) {
                continue; // the next segment starts at or before the window: nothing of it here
            }
            if (baseOffset(segments.get(i)) >= to) {
                break;
            }
            scanSegment(segments.get(i).toFile(), from, to, counts);
        }
    }

    private static void scanSegment(File segment, long from, long to, long[] counts) {
        FileRecords records;
        try {
            records = FileRecords.open(segment, false); // read only
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + segment, e);
        }
        // Closing only the channel: FileRecords.close() trims the file to what it read, and the broker still writes to it.
        try (FileChannel channel = records.channel()) {
            for (FileChannelRecordBatch batch : records.batches()) {
                if (batch.lastOffset() < from) {
                    continue;
                }
                if (batch.baseOffset() >= to) {
                    break;
                }
                boolean whole = batch.baseOffset() >= from && batch.lastOffset() < to;
                long inWindow = 0;
                if (whole && batch.countOrNull() != null) {
                    inWindow = batch.countOrNull();
                } else {
                    for (Record record : batch) {
                        if (record.offset() >= from && record.offset() < to) {
                            inWindow++;
                        }
                    }
                }
                counts[batch.isControlBatch() ? 1 : 0] += inWindow;
                counts[2] += whole ? batch.sizeInBytes() : 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + segment, e);
        }
    }

    private static long baseOffset(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.indexOf('.')));
    }
}
