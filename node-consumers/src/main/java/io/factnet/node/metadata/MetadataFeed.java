package io.factnet.node.metadata;

import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.InstanceMetadata;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the three state topics the metadata server answers from (fixed IPs, floating IPs, instance metadata), every
 * partition from the beginning, committed records only, into {@link MetadataFacts}; then follows them. It is ready once
 * it has read up to the end offsets it found when it started. A record it cannot read makes its key unreadable
 * ({@link MetadataFacts#unreadable}) and is logged; the feed goes on.
 */
public final class MetadataFeed implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataFeed.class);
    static final List<Topic<String, ?>> TOPICS = List.of(Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS,
            Topics.STATE_INSTANCE_METADATA);

    private final Consumer<String, byte[]> consumer;
    private final MetadataFacts facts;
    private final RecordDecoder<FixedIp> fixedIps;
    private final RecordDecoder<FloatingIp> floatingIps;
    private final RecordDecoder<InstanceMetadata> metadata;
    private final Thread thread;
    private volatile boolean ready;
    private volatile boolean stopped;
    private volatile Throwable crash;
    private Map<TopicPartition, Long> catchUpTo;

    public MetadataFeed(Consumer<String, byte[]> consumer, SchemaRegistryClient registry, MetadataFacts facts) {
        this.consumer = consumer;
        this.facts = facts;
        this.fixedIps = new RecordDecoder<>(Topics.STATE_FIXED_IPS.valueDeserializer(registry));
        this.floatingIps = new RecordDecoder<>(Topics.STATE_FLOATING_IPS.valueDeserializer(registry));
        this.metadata = new RecordDecoder<>(Topics.STATE_INSTANCE_METADATA.valueDeserializer(registry));
        this.thread = new Thread(this, "factnet-metadata-feed");
        this.thread.setDaemon(true);
    }

    public MetadataFeed start() {
        thread.start();
        return this;
    }

    public boolean ready() {
        return ready && crash == null;
    }

    public java.util.Optional<Throwable> crash() {
        return java.util.Optional.ofNullable(crash);
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Topic<String, ?> topic : TOPICS) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic.name() + " is missing (the controller makes it)");
                }
                infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            catchUpTo = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
            while (!stopped) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> record : records) {
                    apply(record);
                }
                if (!ready && caughtUp()) {
                    ready = true;
                    log.info("metadata: the facts are read ({} fixed IPs); answering", facts.size());
                }
            }
        } catch (WakeupException e) {
            if (!stopped) {
                crash = e;
            }
        } catch (RuntimeException e) {
            crash = e;
            log.error("metadata: the feed stopped; answering 503", e);
        }
    }

    private boolean caughtUp() {
        for (Map.Entry<TopicPartition, Long> end : catchUpTo.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    void apply(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        if (key == null) {
            return;
        }
        String topic = record.topic();
        try {
            if (topic.equals(Topics.STATE_FIXED_IPS.name())) {
                facts.fixedIp(key, record.value() == null ? null : fixedIps.value(record));
            } else if (topic.equals(Topics.STATE_FLOATING_IPS.name())) {
                facts.floatingIp(key, record.value() == null ? null : floatingIps.value(record));
            } else if (topic.equals(Topics.STATE_INSTANCE_METADATA.name())) {
                facts.metadata(key, record.value() == null ? null : metadata.value(record));
            }
        } catch (BadRecordException e) {
            log.error("metadata: {}-{}@{} (key {}) cannot be read; its address answers 503 until a readable record of it comes",
                    e.topic(), e.partition(), e.offset(), key, e);
            facts.unreadable(topic.equals(Topics.STATE_FIXED_IPS.name()) ? MetadataFacts.Kind.FIXED_IP
                    : topic.equals(Topics.STATE_FLOATING_IPS.name()) ? MetadataFacts.Kind.FLOATING_IP : MetadataFacts.Kind.METADATA, key);
        }
    }

    @Override
    public void close() {
        stopped = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
