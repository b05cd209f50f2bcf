package io.factnet.reliability.scenario;

import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.ChaosSettings;
import io.factnet.reliability.Figures;
import io.factnet.reliability.check.DeliveryCheck;
import io.factnet.reliability.load.LoadGenerator;
import io.factnet.reliability.load.LoadShape;
import io.factnet.reliability.load.Requests;
import io.factnet.reliability.process.BrokerProcess;
import io.factnet.reliability.process.Children;
import io.factnet.reliability.read.TopicReader;
import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import io.factnet.reliability.send.SentLog;
import io.factnet.reliability.send.TransactionalSender;
import io.factnet.serde.AvroSerializer;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker, in its own process, is killed with -9 at seeded moments while a transactional producer
 * sends the load (factnet requests through the registry serde, to their routed topics) and a
 * read_committed reader follows; each time it is started again at once on the same data folder.
 * Afterwards every acknowledged record must be at its offset exactly once, the topics must all be
 * there, and Kafka must not have set any partition aside as stray. Measured: the time from each kill
 * to the broker's "ready", to the first committed transaction and to the first record read.
 */
public final class BrokerCrashScenario {
    private static final Logger log = LoggerFactory.getLogger(BrokerCrashScenario.class);
    public static final int PARTITIONS = 4;
    private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(2);

    /** The load, how often the broker is killed, and the largest transaction. */
    public record Plan(LoadShape shape, int kills, int maxBatch) {
        public static Plan of(ChaosSettings settings) {
            // The short form kills the broker once: the cluster campaign kills it under the controllers' load as well.
            return new Plan(LoadShape.of(settings.pick(40, 200), settings.pick(10_000, 300_000)),
                    settings.pick(1, 6), settings.pick(100, 200));
        }
    }

    /** One kill: how long until the broker said ready, a transaction committed and a record was read again. */
    public record Recovery(Duration ready, Duration firstCommit, Duration firstRead) {
    }

    public record Findings(Figures figures, DeliveryCheck.Report delivery, List<Recovery> recoveries,
                          List<String> strayPartitionWarnings, List<String> topicProblems, int exitCodeOfCleanStop) {
    }

    private final ChaosSettings settings;
    private final Plan plan;
    private final SchemaRegistryClient registry;
    private final Children children;
    private final SentLog sent = new SentLog();
    private final AtomicInteger committedRecords = new AtomicInteger();
    private final FirstAfter commitAfterKill = new FirstAfter();
    private final FirstAfter readAfterKill = new FirstAfter();
    /** The last acknowledged offset per partition when the broker was killed: a record past it is new. */
    private volatile Map<TopicPartition, Long> acknowledgedAtKill = Map.of();
    private final AtomicInteger retriedTransactions = new AtomicInteger();
    private final AtomicInteger unknownBatches = new AtomicInteger();
    private volatile Throwable senderFailure;
    private volatile boolean running = true;

    public BrokerCrashScenario(ChaosSettings settings, Plan plan, SchemaRegistryClient registry, Children children) {
        this.settings = settings;
        this.plan = plan;
        this.registry = registry;
        this.children = children;
    }

    public Findings run() throws InterruptedException {
        Path dir = settings.runDir("broker-crash");
        long began = System.nanoTime();
        BrokerProcess broker = BrokerProcess.start(children, dir.resolve("broker"), PARTITIONS);
        String bootstrap = broker.bootstrapServers();
        SplittableRandom faults = new SplittableRandom(settings.seed()).split();
        List<Integer> killPoints = killPoints(faults);
        SplittableRandom batchSizes = faults.split();

        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (TopicReader reader = new TopicReader(bootstrap, Requests.topicNames())) {
            Thread readerThread = new Thread(() -> follow(reader, read), "chaos-reader");
            Thread senderThread = new Thread(() -> sendLoad(bootstrap, batchSizes), "chaos-sender");
            // daemons, and both stop when `running` goes false: a failed run must not leave them producing
            readerThread.setDaemon(true);
            senderThread.setDaemon(true);
            readerThread.start();
            senderThread.start();

            List<Recovery> recoveries = new ArrayList<>();
            for (int point : killPoints) {
                awaitUntil(() -> committedRecords.get() >= point ? 1 : 0, "the sender to commit " + point + " records",
                        Duration.ofMinutes(5));
                if (senderFailure != null || !senderThread.isAlive()) {
                    break;
                }
                commitAfterKill.reset();
                readAfterKill.reset();
                acknowledgedAtKill = lastAcknowledgedOffsets();
                long killedAt = System.nanoTime();
                long killedAtMillis = System.currentTimeMillis();
                broker.kill();
                // from here on the old process is gone: a commit or a new record can only come from the restarted one
                long deadAtMillis = System.currentTimeMillis();
                commitAfterKill.arm(deadAtMillis);
                readAfterKill.arm(deadAtMillis);
                log.info("killed the broker with -9 after {} committed records; restarting it", committedRecords.get());
                broker.restart();
                Duration ready = Duration.ofNanos(System.nanoTime() - killedAt);
                long firstCommit = awaitFirst(commitAfterKill, "a transaction to commit after the restart");
                long firstRead = awaitFirst(readAfterKill, "a new record to be read after the restart");
                recoveries.add(new Recovery(ready, Duration.ofMillis(firstCommit - killedAtMillis),
                        Duration.ofMillis(firstRead - killedAtMillis)));
            }
            senderThread.join(TimeUnit.MINUTES.toMillis(10));
            running = false;
            readerThread.join(TimeUnit.MINUTES.toMillis(1));
            if (senderFailure != null) {
                throw new IllegalStateException("the sender failed (" + settings.replay() + ")", senderFailure);
            }
            read.addAll(reader.readToEnd(Duration.ofMinutes(2)));

            DeliveryCheck.Report delivery = DeliveryCheck.check(sent, read);
            List<String> topicProblems = topicProblems(bootstrap);
            List<String> stray = broker.strayPartitionWarnings();
            sent.writeTo(dir.resolve("sent.tsv"));
            int exit = broker.stop();
            Duration wall = Duration.ofNanos(System.nanoTime() - began);

            Figures figures = new Figures("broker kill -9 under exactly-once load")
                    .put("seed", settings.seed())
                    .put("requests sent (admin setup + load)", delivery.acknowledged() + delivery.unknownSent())
                    .put("records acknowledged (committed)", delivery.acknowledged())
                    .put("transactions retried after a failure (aborted, sent again)", retriedTransactions.get())
                    .put("batches with unknown outcome", unknownBatches.get())
                    .put("broker kills (-9)", recoveries.size())
                    .put("records read (read_committed)", read.size())
                    .put("acknowledged records found once at their offset", delivery.found())
                    .put("lost (missing)", delivery.missing().size())
                    .put("duplicated", delivery.duplicated().size())
                    .put("altered or unexpected", delivery.altered().size() + delivery.unexpected().size())
                    .put("stray or lost partition warnings in the broker log", stray.size())
                    .put("kill -> broker ready (each)", millis(recoveries.stream().map(Recovery::ready).toList()))
                    .put("kill -> first committed transaction (each)", millis(recoveries.stream().map(Recovery::firstCommit).toList()))
                    .put("kill -> first record read (each)", millis(recoveries.stream().map(Recovery::firstRead).toList()))
                    .put("clean stop exit code", exit)
                    .put("wall time", wall);
            figures.writeTo(dir);
            log.info("broker crash scenario:\n{}", figures);
            return new Findings(figures, delivery, recoveries, stray, topicProblems, exit);
        } finally {
            running = false;
        }
    }

    /** The moments to kill, as numbers of committed records, spread over the middle of the load. */
    private List<Integer> killPoints(SplittableRandom faults) {
        int requests = plan.shape().requests();
        List<Integer> points = new ArrayList<>();
        for (int i = 0; i < plan.kills(); i++) {
            double from = 0.1 + 0.8 * i / plan.kills();
            double to = 0.1 + 0.8 * (i + 1) / plan.kills();
            points.add((int) (requests * (from + (to - from) * faults.nextDouble())));
        }
        return points;
    }

    private void sendLoad(String bootstrap, SplittableRandom batches) {
        AvroSerializer<Request> serializer = new AvroSerializer<>(registry, true);
        LoadGenerator load = new LoadGenerator(settings.seed(), plan.shape());
        try (TransactionalSender sender = new TransactionalSender(bootstrap, "chaos-broker-crash", RECOVERY_LIMIT)) {
            send(sender, load.adminSetup(), serializer);
            while (load.hasNext() && running) {
                send(sender, load.next(1 + batches.nextInt(plan.maxBatch())), serializer);
            }
        } catch (Throwable e) {
            senderFailure = e;
        }
    }

    private void send(TransactionalSender sender, List<Request> requests, AvroSerializer<Request> serializer) {
        List<Outgoing> records = requests.stream().map(r -> Outgoing.of(r, serializer, "load")).toList();
        TransactionalSender.Batch batch = sender.send(records);
        retriedTransactions.addAndGet(batch.attempts() - 1);
        if (batch.outcome() == TransactionalSender.Delivery.COMMITTED) {
            sent.committed(batch.sent());
            commitAfterKill.saw(batch.committedAtMillis());
        } else {
            sent.unknown(records);
            unknownBatches.incrementAndGet();
        }
        committedRecords.addAndGet(records.size());
    }

    private void follow(TopicReader reader, List<ConsumerRecord<byte[], byte[]>> read) {
        while (running) {
            List<ConsumerRecord<byte[], byte[]>> records = reader.poll(Duration.ofMillis(100));
            long now = System.currentTimeMillis();
            Map<TopicPartition, Long> acknowledged = acknowledgedAtKill;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                read.add(record);
                // records fetched before the kill may still come out of the consumer's buffer: only new ones count
                if (record.offset() > acknowledged.getOrDefault(new TopicPartition(record.topic(), record.partition()), -1L)) {
                    readAfterKill.saw(now);
                }
            }
        }
    }

    /** The highest offset acknowledged so far in each partition. */
    private Map<TopicPartition, Long> lastAcknowledgedOffsets() {
        Map<TopicPartition, Long> last = new HashMap<>();
        for (Sent record : sent.committed()) {
            last.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::max);
        }
        return last;
    }

    private long awaitFirst(FirstAfter event, String what) {
        awaitUntil(() -> event.first(), what, RECOVERY_LIMIT);
        return event.first();
    }

    /** The first time something happened after a moment: set once, by whichever thread sees it. */
    private static final class FirstAfter {
        private volatile long after = Long.MAX_VALUE;
        private final AtomicLong first = new AtomicLong();

        void reset() {
            after = Long.MAX_VALUE;
            first.set(0);
        }

        void arm(long moment) {
            after = moment;
        }

        void saw(long when) {
            if (when > after) {
                first.compareAndSet(0, when);
            }
        }

        long first() {
            return first.get();
        }
    }

    private void awaitUntil(LongSupplier condition, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (condition.getAsLong() == 0) {
            if (senderFailure != null) {
                throw new IllegalStateException("the sender failed while waiting for " + what + " (" + settings.replay() + ")",
                        senderFailure);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what + " (" + settings.replay() + ")");
            }
            try {
                Thread.sleep(20); // polling with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    /** Every factnet topic still there with its partitions. */
    private static List<String> topicProblems(String bootstrap) {
        List<String> problems = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<String> names = Topics.all().stream().map(t -> t.name()).toList();
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            for (String name : names) {
                TopicDescription topic = described.get(name);
                if (topic == null) {
                    problems.add(name + " is gone");
                } else if (topic.partitions().size() != PARTITIONS) {
                    problems.add(name + " has " + topic.partitions().size() + " partitions");
                }
            }
        } catch (Exception e) {
            problems.add("cannot describe the topics: " + e);
        }
        return problems;
    }

    private static String millis(List<Duration> durations) {
        return durations.stream().map(d -> d.toMillis() + " ms").toList().toString();
    }
}
