package io.factnet.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one) running in this JVM, on loopback only.
 * It keeps its data and its ports in the folder it is given, so a restart on the same folder finds
 * its topics again at the same bootstrap address.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String PORTS_FILE = "factnet-embedded.properties";

    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private volatile boolean closed;

    private EmbeddedKafka(Path dataDir, int brokerPort, int controllerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /** Starts a broker on the folder (formatting it on first use) and waits until it serves requests. */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** As {@link #start(Path)}, with broker settings that override the defaults. */
    public static EmbeddedKafka start(Path dataDir, Map<String, String> overrides) {
        long began = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Properties ports = loadOrPickPorts(dataDir);
            int brokerPort = Integer.parseInt(ports.getProperty("broker.port"));
            int controllerPort = Integer.parseInt(ports.getProperty("controller.port"));
            Path logDir = dataDir.resolve("kraft");
            Properties props = brokerProperties(logDir, brokerPort, controllerPort);
            props.putAll(overrides);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir);
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, brokerPort, controllerPort, server);
            kafka.awaitReady(Duration.ofSeconds(60));
            log.info("embedded Kafka ready at {} in {} ms (data in {})", kafka.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), dataDir);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded Kafka in " + dataDir, e);
        }
    }

    static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // One node: every internal topic with one replica, few partitions (fast start, small heap).
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The cleaner's default dedupe buffer takes 128 MiB of heap.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        p.put("num.partitions", "4");
        p.put("auto.create.topics.enable", "false");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        return p;
    }

    private static void format(Path logDir) throws IOException {
        Files.createDirectories(logDir);
        try {
            new Formatter()
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IOException("cannot format KRaft storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    /** The ports of this folder: picked free on first start, then the same ones on every restart. */
    private static Properties loadOrPickPorts(Path dataDir) throws IOException {
        Path file = dataDir.resolve(PORTS_FILE);
        Properties ports = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ports.load(in);
            }
            return ports;
        }
        ports.setProperty("broker.port", String.valueOf(freePort()));
        ports.setProperty("controller.port", String.valueOf(freePort()));
        try (OutputStream out = Files.newOutputStream(file)) {
            ports.store(out, "ports of the embedded broker of this folder");
        }
        return ports;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = new IllegalStateException(e);
                }
                pause(50);
            }
        }
        close();
        throw new IllegalStateException("embedded Kafka did not become ready in " + timeout, last);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling with a deadline: the broker refuses connections until it is up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for embedded Kafka", e);
        }
    }

    /**
     * Waits until every partition of these topics has its folder with its topic id on disk
     * ({@code partition.metadata}). Kafka creates the folder after the topic is created and writes that
     * file in the background (or before the partition's first record); a broker killed before then finds
     * a folder without a topic id at its next start, marks it "stray", sets it aside and creates the
     * partition again. Nothing is lost (the partition was empty), but call this after creating topics when
     * "ready" must also mean "safe to kill".
     */
    public void awaitPartitionMetadata(Collection<String> topics, Duration timeout) {
        Path logDir = dataDir.resolve("kraft");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Path> expected = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((name, topic) -> topic.partitions()
                            .forEach(p -> expected.add(logDir.resolve(name + "-" + p.partition()).resolve("partition.metadata"))));
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + topics + ": " + e.getMessage(), e);
        }
        List<Path> missing = expected.stream().filter(file -> !Files.exists(file)).toList();
        while (!missing.isEmpty()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("partitions without their topic id on disk after " + timeout + ": " + missing);
            }
            pause(20);
            missing = missing.stream().filter(file -> !Files.exists(file)).toList();
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int controllerPort() {
        return controllerPort;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
    }
}
