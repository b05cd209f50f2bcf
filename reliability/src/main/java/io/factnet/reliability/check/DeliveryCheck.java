package io.factnet.reliability.check;

import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import io.factnet.reliability.send.SentLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Did the topics keep exactly what the producer was told they kept? Every record of a committed
 * transaction must be at the offset the broker acknowledged, byte for byte, once; nothing else may
 * be there except records of transactions whose outcome the producer could not learn (at most once each).
 */
public final class DeliveryCheck {
    private DeliveryCheck() {
    }

    /**
     * @param acknowledged records of committed transactions
     * @param found        acknowledged records at their offset with the same key and bytes
     * @param missing      acknowledged records not at their offset (lost): "topic-partition@offset"
     * @param altered      acknowledged offsets that hold other bytes
     * @param duplicated   records read at another offset whose bytes equal an acknowledged record's
     * @param unexpected   records read that nobody sent
     * @param unknownSent  records of transactions with an unknown outcome
     * @param unknownFound how many of those were read (each at most once)
     */
    public record Report(int acknowledged, int found, List<String> missing, List<String> altered, List<String> duplicated,
                         List<String> unexpected, int unknownSent, int unknownFound, List<String> unknownTwice) {

        public boolean exactlyOnce() {
            return found == acknowledged && missing.isEmpty() && altered.isEmpty() && duplicated.isEmpty()
                    && unexpected.isEmpty() && unknownTwice.isEmpty();
        }

        @Override
        public String toString() {
            return "acknowledged " + acknowledged + ", found " + found + ", missing " + Lists.head(missing) + ", altered " + Lists.head(altered)
                    + ", duplicated " + Lists.head(duplicated) + ", unexpected " + Lists.head(unexpected) + ", unknown outcome "
                    + unknownSent + " (found " + unknownFound + ", twice " + Lists.head(unknownTwice) + ")";
        }
    }

    private record Location(String topic, int partition, long offset) {
        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** Content as a map key; a tombstone (null) counts as empty (the harness never sends an empty value). */
    private static ByteBuffer bytes(byte[] value) {
        return ByteBuffer.wrap(value == null ? new byte[0] : value);
    }

    public static Report check(SentLog log, List<ConsumerRecord<byte[], byte[]>> read) {
        Map<Location, ConsumerRecord<byte[], byte[]>> byLocation = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : read) {
            byLocation.put(new Location(record.topic(), record.partition(), record.offset()), record);
        }
        List<Sent> acknowledged = log.committed();
        Map<ByteBuffer, Integer> acknowledgedBytes = new HashMap<>();
        int found = 0;
        List<String> missing = new ArrayList<>();
        List<String> altered = new ArrayList<>();
        for (Sent sent : acknowledged) {
            Location at = new Location(sent.topic(), sent.partition(), sent.offset());
            acknowledgedBytes.merge(bytes(sent.record().value()), 1, Integer::sum);
            ConsumerRecord<byte[], byte[]> there = byLocation.remove(at);
            if (there == null) {
                missing.add(at + " " + sent.record().label());
            } else if (!Arrays.equals(there.key(), sent.record().key()) || !Arrays.equals(there.value(), sent.record().value())) {
                altered.add(at.toString());
            } else {
                found++;
            }
        }
        Map<ByteBuffer, Integer> unknownBytes = new HashMap<>();
        for (Outgoing record : log.unknown()) {
            unknownBytes.merge(bytes(record.value()), 1, Integer::sum);
        }
        List<String> duplicated = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> unknownTwice = new ArrayList<>();
        Map<ByteBuffer, Integer> unknownSeen = new HashMap<>();
        int unknownFound = 0;
        for (ConsumerRecord<byte[], byte[]> rest : byLocation.values()) {
            ByteBuffer bytes = bytes(rest.value());
            String at = new Location(rest.topic(), rest.partition(), rest.offset()).toString();
            if (unknownBytes.containsKey(bytes)) {
                unknownFound++;
                if (unknownSeen.merge(bytes, 1, Integer::sum) > unknownBytes.get(bytes)) {
                    unknownTwice.add(at);
                }
            } else if (acknowledgedBytes.containsKey(bytes)) {
                duplicated.add(at);
            } else {
                unexpected.add(at);
            }
        }
        return new Report(acknowledged.size(), found, missing, altered, duplicated, unexpected, log.unknown().size(),
                unknownFound, unknownTwice);
    }
}
