package io.factnet.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How far back the node topics hold every record: their {@code min.compaction.lag.ms} as the broker has it, the
 * shortest of the topics read. The cleaner removes a record only once the record that superseded it is older than
 * that, so the state at any moment since {@code now - kept} is whole in the log (ADR 0036).
 *
 * @param topic   the topic with the shortest lag (the one that bounds the replay)
 * @param kept    how long it keeps every record
 * @param setting the config that says so: {@code min.compaction.lag.ms}, or {@code retention.ms} when it is shorter on a
 *                topic an operator made {@code compact,delete}
 */
record NodeHistory(String topic, Duration kept, String setting) {

    /** The shortest lag among {@code topics}, read with describeConfigs (the topic's own or the broker's default). */
    static NodeHistory of(Admin admin, Collection<String> topics, Duration timeout) {
        List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs;
        try {
            configs = admin.describeConfigs(resources).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the node topics' configs", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the configs of " + String.join(", ", topics)
                    + " (needed for --at: how long they keep superseded records): " + UserErrors.describe(e), e);
        }
        return configs.entrySet().stream()
                .map(entry -> of(entry.getKey().name(), entry.getValue()))
                .min(Comparator.comparing(NodeHistory::kept).thenComparing(NodeHistory::topic))
                .orElseThrow(() -> new IllegalArgumentException("no node topic to read"));
    }

    /**
     * The topic's min.compaction.lag.ms; shorter when an operator made it {@code compact,delete}: then whole segments also
     * go after retention.ms, superseded or not.
     */
    private static NodeHistory of(String topic, Config config) {
        long lag = number(config, TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
        String policy = valueOf(config, TopicConfig.CLEANUP_POLICY_CONFIG);
        long retention = number(config, TopicConfig.RETENTION_MS_CONFIG);
        if (policy != null && policy.contains(TopicConfig.CLEANUP_POLICY_DELETE) && retention >= 0 && retention < lag) {
            return new NodeHistory(topic, Duration.ofMillis(retention), TopicConfig.RETENTION_MS_CONFIG);
        }
        return new NodeHistory(topic, Duration.ofMillis(lag), TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
    }

    /** A broker always describes these (the topic's value or the cluster default); none would mean Kafka's default. */
    private static long number(Config config, String name) {
        String value = valueOf(config, name);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static String valueOf(Config config, String name) {
        ConfigEntry entry = config.get(name);
        return entry == null ? null : entry.value();
    }

    /** The oldest moment whose state the log still holds whole. */
    Instant exactSince(Instant now) {
        return now.minus(kept);
    }

    /** True when every record current at {@code at} is still in the log. */
    boolean exactAt(Instant at, Instant now) {
        return !at.isBefore(exactSince(now));
    }

    /** What the operator reads when {@code at} is older than that. */
    String tooOld(Instant at, Instant now) {
        return "--at " + at + " is older than the node topics keep every record: " + topic + " has "
                + setting + "=" + kept.toMillis() + " (" + human(kept) + "), so the state is exact "
                + "only since " + exactSince(now) + "; the log cleaner may have removed records that were current then";
    }

    private static String human(Duration duration) {
        return duration.isZero() ? "superseded records may go at once" : duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
