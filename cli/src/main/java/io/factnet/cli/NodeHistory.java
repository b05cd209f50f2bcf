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
 * @param topic the topic with the shortest lag (the one that bounds the replay)
 * @param kept  its {@code min.compaction.lag.ms}
 */
record NodeHistory(String topic, Duration kept) {

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
                .map(entry -> new NodeHistory(entry.getKey().name(), lagOf(entry.getValue())))
                .min(Comparator.comparing(NodeHistory::kept).thenComparing(NodeHistory::topic))
                .orElseThrow(() -> new IllegalArgumentException("no node topic to read"));
    }

    private static Duration lagOf(Config config) {
        ConfigEntry entry = config.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
        // A broker always describes it (the topic's value or the cluster default); none would mean Kafka's default, 0.
        return Duration.ofMillis(entry == null || entry.value() == null ? 0 : Long.parseLong(entry.value()));
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
                + TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG + "=" + kept.toMillis() + " (" + human(kept) + "), so the state is exact "
                + "only since " + exactSince(now) + "; the log cleaner may have removed records that were current then";
    }

    private static String human(Duration duration) {
        return duration.isZero() ? "superseded records may go at once" : duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
