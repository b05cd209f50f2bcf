package io.factnet.reliability.process;

import io.factnet.cli.process.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code factnet broker --dir D --partitions N} as its own process: the embedded KRaft broker with a
 * data folder that survives kill -9, so that a restart on the same folder keeps its port, its topics
 * and its committed records. The schema registry is not started here: a registry child of a broker
 * killed with -9 would be orphaned, so the harness runs Apicurio from the test JVM.
 */
public final class BrokerProcess {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private static final Pattern READY = Pattern.compile("ready");
    /**
     * Kafka's words (LogManager, 4.1) for a partition folder that its metadata image does not know: data it
     * will not serve. ("Deleting stray temporary file" is ordinary crash recovery and does not count.)
     */
    private static final Pattern STRAY = Pattern.compile(
            "(?i).*(marked (as )?stray|found stray log dir|loaded stray log|treat it as a stray log).*");
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final ChildJvm jvm;
    private final Path dir;
    private String bootstrapServers;

    private BrokerProcess(ChildJvm jvm, Path dir) {
        this.jvm = jvm;
        this.dir = dir;
    }

    /**
     * After a kill -9 the restarted broker cannot register until the controller has expired the dead
     * incarnation's session (DUPLICATE_BROKER_REGISTRATION until then): 9 s by default, most of the
     * restart time. Controller and broker share the process, heartbeats only cross loopback.
     */
    static final List<String> FAST_SESSION_EXPIRY = List.of(
            "-X", "broker.heartbeat.interval.ms=500", "-X", "broker.session.timeout.ms=3000");

    /**
     * Starts the broker on {@code dir} and waits for "ready". Kafka logs at INFO (its log file is the
     * evidence after a crash: recovery, truncation, stray partitions).
     */
    public static BrokerProcess start(Children children, Path dir, int partitions) {
        return start(children, dir, partitions, List.of());
    }

    /** The same, with more broker settings ({@code key=value}). */
    public static BrokerProcess start(Children children, Path dir, int partitions, List<String> settings) {
        List<String> args = new java.util.ArrayList<>(
                List.of("broker", "--dir", dir.toString(), "--partitions", String.valueOf(partitions)));
        args.addAll(FAST_SESSION_EXPIRY);
        settings.forEach(setting -> args.addAll(List.of("-X", setting)));
        ChildJvm.Spec spec = new ChildJvm.Spec("broker", args, dir.resolve("broker.log"), 512, Map.of("KAFKA_LOG_LEVEL", "INFO"));
        BrokerProcess broker = new BrokerProcess(children.start(spec), dir);
        broker.awaitReady();
        return broker;
    }

    private void awaitReady() {
        Matcher bootstrap = jvm.awaitLine(BOOTSTRAP, START_TIMEOUT);
        jvm.awaitLine(READY, START_TIMEOUT);
        String address = bootstrap.group(1);
        if (bootstrapServers != null && !bootstrapServers.equals(address)) {
            throw new IllegalStateException("the broker on " + dir + " came back at " + address + ", not " + bootstrapServers);
        }
        bootstrapServers = address;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** kill -9: the broker dies in the middle of whatever it was doing. */
    public void kill() {
        jvm.kill();
    }

    /** SIGTERM and wait for a clean shutdown; returns the exit code. */
    public int stop() {
        return jvm.stop(Duration.ofSeconds(60));
    }

    /** Starts it again on the same folder and waits for "ready" at the same address. Returns how long that took. */
    public Duration restart() {
        long began = System.nanoTime();
        jvm.restart();
        awaitReady();
        return Duration.ofNanos(System.nanoTime() - began);
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    /**
     * Log lines in which Kafka sets a partition folder aside as "stray" at start-up: its topic id is not
     * in the metadata, or not on disk. For a live topic that is data Kafka will not serve; for a topic
     * deleted just before a crash it is the leftover of the deletion.
     */
    public List<String> strayPartitionWarnings() {
        return jvm.logLines().stream().filter(line -> STRAY.matcher(line).matches()).toList();
    }

    public ChildJvm jvm() {
        return jvm;
    }

    public Path dir() {
        return dir;
    }
}
