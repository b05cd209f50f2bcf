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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
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
 *
 * <p>By default its listener is PLAINTEXT and every client may do everything (the demo and most tests).
 * {@link Builder#secured} makes it SASL/SCRAM-SHA-512 with KRaft's StandardAuthorizer and
 * {@code allow.everyone.if.no.acl.found=false}: only the users and ACLs of the {@link Security} get in.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String PORTS_FILE = "factnet-embedded.properties";

    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Optional<Security> security;
    private final KafkaRaftServer server;
    private volatile boolean closed;

    private EmbeddedKafka(Path dataDir, int brokerPort, int controllerPort, Optional<Security> security, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.security = security;
        this.server = server;
    }

    /** Starts a broker on the folder (formatting it on first use) and waits until it serves requests. */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** As {@link #start(Path)}, with broker settings that override the defaults. */
    public static EmbeddedKafka start(Path dataDir, Map<String, String> overrides) {
        return builder(dataDir).overrides(overrides).start();
    }

    /** A broker on this folder, PLAINTEXT unless {@link Builder#secured} says otherwise. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /**
     * SASL/SCRAM-SHA-512 and ACLs. {@code adminUser} is the super user (the broker itself, and whoever creates
     * users and ACLs); {@code users} are the other SCRAM users with their passwords; {@code acls} what they may do
     * (for factnet, {@code io.factnet.topics.KafkaAcls}). Names and passwords are plain words (letters, digits,
     * {@code . _ -}): they go into JAAS and {@code kafka-storage} arguments unquoted.
     */
    public record Security(String adminUser, String adminPassword, Map<String, String> users, List<AclBinding> acls) {
        public static final String MECHANISM = "SCRAM-SHA-512";

        public Security {
            plainWord(adminUser);
            plainWord(adminPassword);
            users.forEach((user, password) -> {
                plainWord(user);
                plainWord(password);
            });
            users = Map.copyOf(users);
            acls = List.copyOf(acls);
        }

        private static void plainWord(String word) {
            if (word == null || !word.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("a SCRAM user name or password of letters, digits, '.', '_' and '-' only");
            }
        }

        /** The client properties of a user (the admin, or one of {@link #users}): SASL_PLAINTEXT, SCRAM-SHA-512. */
        public Map<String, Object> clientProperties(String user) {
            String password = user.equals(adminUser) ? adminPassword : users.get(user);
            if (password == null) {
                throw new IllegalArgumentException("no SCRAM user " + user);
            }
            return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", MECHANISM,
                    "sasl.jaas.config", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password, ""));
        }

        static String jaas(String module, String user, String password, String more) {
            return module + " required username=\"" + user + "\" password=\"" + password + "\"" + more + ";";
        }
    }

    /** How to start an embedded broker: its folder, overrides of the broker settings, and the opt-in security. */
    public static final class Builder {
        private final Path dataDir;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private Security security;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        /** Broker settings over the defaults (and over the secured mode's). */
        public Builder overrides(Map<String, String> settings) {
            overrides.putAll(settings);
            return this;
        }

        /** SASL/SCRAM with ACLs instead of the default PLAINTEXT without authorization. */
        public Builder secured(Security settings) {
            this.security = settings;
            return this;
        }

        /** Starts the broker (formatting the folder on first use), waits until it serves requests, and applies the security's users and ACLs. */
        public EmbeddedKafka start() {
            return EmbeddedKafka.start(dataDir, overrides, Optional.ofNullable(security));
        }
    }

    private static EmbeddedKafka start(Path dataDir, Map<String, String> overrides, Optional<Security> security) {
        long began = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Properties ports = loadOrPickPorts(dataDir);
            int brokerPort = Integer.parseInt(ports.getProperty("broker.port"));
            int controllerPort = Integer.parseInt(ports.getProperty("controller.port"));
            Path logDir = dataDir.resolve("kraft");
            Properties props = brokerProperties(logDir, brokerPort, controllerPort);
            security.ifPresent(s -> props.putAll(securedProperties(brokerPort, controllerPort, s)));
            props.putAll(overrides);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir, security);
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, brokerPort, controllerPort, security, server);
            kafka.awaitReady(Duration.ofSeconds(60));
            long served = System.nanoTime();
            security.ifPresent(s -> kafka.applyUsersAndAcls(s, Duration.ofSeconds(60)));
            log.info("embedded Kafka ready at {}{} in {} ms (data in {})", kafka.bootstrapServers(),
                    security.map(s -> " (SASL/SCRAM; users and ACLs in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - served)
                            + " ms)").orElse(""), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), dataDir);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded Kafka in " + dataDir, e);
        }
    }

    /**
     * The secured mode's listeners: BROKER (clients, and the broker's own inter-broker connections) is
     * SASL_PLAINTEXT with SCRAM-SHA-512; CONTROLLER is SASL_PLAINTEXT with PLAIN and the admin as its one static
     * user. KRaft cannot use SCRAM on the controller listener (the credentials live in the metadata the controller
     * serves), and leaving it PLAINTEXT would need {@code User:ANONYMOUS} as a super user, which would let any
     * local process administer the cluster through the controller port.
     */
    static Map<String, String> securedProperties(int brokerPort, int controllerPort, Security security) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "BROKER://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "BROKER://127.0.0.1:" + brokerPort);
        p.put("inter.broker.listener.name", "BROKER");
        p.put("listener.security.protocol.map", "BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", Security.MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", Security.MECHANISM);
        p.put("listener.name.broker.sasl.enabled.mechanisms", Security.MECHANISM);
        p.put("listener.name.broker.scram-sha-512.sasl.jaas.config",
                Security.jaas("org.apache.kafka.common.security.scram.ScramLoginModule", security.adminUser(), security.adminPassword(), ""));
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config",
                Security.jaas("org.apache.kafka.common.security.plain.PlainLoginModule", security.adminUser(), security.adminPassword(),
                        " user_" + security.adminUser() + "=\"" + security.adminPassword() + "\""));
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + security.adminUser());
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /**
     * Creates (or updates) the users' SCRAM credentials and the ACLs as the admin, then waits until the broker
     * enforces them (it applies the metadata records a moment after the controller commits them). Done on every
     * start: both are idempotent, and a restart with more users or ACLs adds them.
     */
    private void applyUsersAndAcls(Security security, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(adminConfig())) {
            if (!security.users().isEmpty()) {
                List<org.apache.kafka.clients.admin.UserScramCredentialAlteration> upserts = new ArrayList<>();
                security.users().forEach((user, password) -> upserts.add(new UserScramCredentialUpsertion(user,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)));
                admin.alterUserScramCredentials(upserts).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (!security.acls().isEmpty()) {
                admin.createAcls(security.acls()).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            while (true) {
                Set<String> described = admin.describeUserScramCredentials().users().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .stream().collect(java.util.stream.Collectors.toSet());
                Set<AclBinding> enforced = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
                if (described.containsAll(security.users().keySet()) && enforced.containsAll(security.acls())) {
                    return;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("the broker does not show the users and ACLs after " + timeout);
                }
                pause(20);
            }
        } catch (Exception e) {
            close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot create the SCRAM users and ACLs: " + e.getMessage(), e);
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

    /**
     * Formats the folder. Secured, the admin's SCRAM credential goes into the bootstrap metadata here
     * ({@code kafka-storage format --add-scram}, KIP-900): it exists before any listener opens, so the broker's own
     * SCRAM connections and the first admin client authenticate from the start. The other way round,
     * {@code Admin.alterUserScramCredentials} after start, needs an authenticated super user first: a second,
     * weaker listener or an anonymous super user just for the bootstrap. Only the admin is made here; the other
     * users are made by the admin after start (as on a real cluster, where nodes come and go).
     */
    private static void format(Path logDir, Optional<Security> security) throws IOException {
        Files.createDirectories(logDir);
        try {
            Formatter formatter = new Formatter();
            security.ifPresent(s -> formatter.setScramArguments(List.of(
                    Security.MECHANISM + "=[name=" + s.adminUser() + ",password=" + s.adminPassword() + "]")));
            formatter
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
        Map<String, Object> config = new HashMap<>(adminConfig());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(config)) {
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
        try (Admin admin = Admin.create(adminConfig())) {
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

    /** The security this broker runs with, empty when it is PLAINTEXT without authorization. */
    public Optional<Security> security() {
        return security;
    }

    /** Client properties of a user of the secured broker (bootstrap servers and SASL); only bootstrap servers when PLAINTEXT. */
    public Map<String, Object> clientConfig(String user) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        security.ifPresent(s -> config.putAll(s.clientProperties(user)));
        return config;
    }

    /** Client properties with every right: the super user when secured, anyone when PLAINTEXT. */
    public Map<String, Object> adminConfig() {
        return clientConfig(security.map(Security::adminUser).orElse(""));
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
