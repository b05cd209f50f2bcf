package io.factnet.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates factnet's topics that do not exist yet, with their compaction settings. */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /** Every factnet topic on a single broker (replication 1, as the embedded one), through its own admin client. */
    public static List<String> ensureAll(String bootstrapServers, int partitions) {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return ensure(admin, Topics.all(), partitions, (short) 1);
        }
    }

    /** Creates the missing topics among {@code topics}; returns the names it created. */
    public static List<String> ensure(Admin admin, Collection<? extends Topic<?, ?>> topics, int partitions,
                                      short replication) {
        return ensure(admin, topics, partitions, replication, Topic.DEFAULT_EVENT_RETENTION, Topic.DEFAULT_NODE_HISTORY);
    }

    /**
     * As above, event topics keeping their records {@code eventRetention} (negative: for ever), node topics keeping
     * superseded records {@code nodeHistory} ({@code min.compaction.lag.ms}). Topics that exist keep their configs:
     * change one with Kafka's tools ({@code kafka-configs --alter --add-config retention.ms=...}).
     */
    public static List<String> ensure(Admin admin, Collection<? extends Topic<?, ?>> topics, int partitions,
                                      short replication, Duration eventRetention, Duration nodeHistory) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?, ?> topic : topics) {
                if (!existing.contains(topic.name())) {
                    missing.add(new NewTopic(topic.name(), partitions, replication).configs(topic.configs(eventRetention, nodeHistory)));
                }
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // another instance creating them at the same time is fine
                }
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            awaitLeaders(admin, created);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create factnet's topics: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until every partition of the new topics has a leader in the broker's metadata: until then a
     * first produce meets NOT_LEADER retries, which on a busy machine can outlast a client's timeout.
     */
    private static void awaitLeaders(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                        .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false; // created, not yet in this broker's metadata
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + topics + " have no leader after 30 s");
            }
            Thread.sleep(20); // polling with a deadline: the admin API has no wait for leaders
        }
    }
}
