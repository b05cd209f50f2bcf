package io.factnet.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.factnet.cli.demo.Demo;
import io.factnet.cli.demo.DemoCloud;
import io.factnet.cli.demo.Scenario;
import io.factnet.model.NodeRole;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The embedded default: Kafka, the schema registry, the controller and one render-driver agent per
 * role on this machine; a scenario of three projects played through them; a summary of what was built.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run factnet on this machine: an embedded Kafka broker, the schema registry, the controller and one agent"
                + " per role (render driver), play three projects with 50 instances through them, and print what was built.",
                "--keep-running leaves it all up for factnet request."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "An empty or new folder for the broker's data, the registry's log and the nodes' files"
            + " (default: a new temporary folder).")
    Path dir;

    @Option(names = "--keep-running", description = "Leave everything up until Ctrl-C, to drive it with factnet request.")
    boolean keepRunning;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long began = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        Path work = workFolder();
        Level logLevel = quietLogs();
        try {
            return run(work, out, began);
        } finally {
            restoreLogs(logLevel);
        }
    }

    private int run(Path work, PrintWriter out, long began) throws Exception {
        out.println("factnet demo: working folder " + work);
        out.println("  starting Kafka (KRaft, in this JVM), Apicurio Registry (a child process) and the controller...");
        out.flush();
        try (UntilStopped untilStopped = new UntilStopped(); DemoCloud cloud = DemoCloud.start(work)) {
            out.println("  bootstrap servers:   " + cloud.bootstrapServers());
            out.println("  schema registry url: " + cloud.registryUrl());
            out.println("  controller:          " + cloud.controller().config().applicationId() + ", "
                    + cloud.controller().state() + " (in this JVM), HTTP API " + cloud.controllerUrl());
            out.println("  web console:         " + cloud.controllerUrl() + "/console/");
            out.println("  node files:          " + cloud.nodesFolder() + "/<node>/<role>/");
            out.flush();
            Demo.play(cloud, out);
            out.printf("%nfactnet demo: done in %.1f s%n", (System.nanoTime() - began) / 1e9);
            out.flush();
            if (keepRunning) {
                printUsage(out, cloud);
                while (!untilStopped.await(Duration.ofSeconds(1))) {
                    if (cloud.crash().isPresent()) {
                        throw new IllegalStateException("a node agent stopped", cloud.crash().get());
                    }
                    cloud.writeKernelRuleset(); // keeps ruleset.nft current while requests come in
                }
            }
        }
        return 0;
    }

    /** A new temporary folder, or the one given if it is empty: the scenario's projects exist once per broker. */
    private Path workFolder() throws IOException {
        if (dir == null) {
            return Files.createTempDirectory("factnet-demo-").toAbsolutePath();
        }
        Files.createDirectories(dir);
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("--dir " + dir + " is not empty: the demo plays its scenario on a new cloud;"
                        + " give an empty or new folder");
            }
        }
        return dir.toAbsolutePath();
    }

    /**
     * The story goes to stdout; the parts' own INFO logs would bury it (FACTNET_LOG_LEVEL=INFO brings
     * them back). Returns the level to restore (when run from a test, the JVM goes on).
     */
    private static Level quietLogs() {
        if (System.getenv("FACTNET_LOG_LEVEL") == null && LoggerFactory.getLogger("io.factnet") instanceof Logger logger) {
            Level before = logger.getLevel();
            logger.setLevel(Level.WARN);
            return before;
        }
        return null;
    }

    private static void restoreLogs(Level level) {
        if (level != null && LoggerFactory.getLogger("io.factnet") instanceof Logger logger) {
            logger.setLevel(level);
        }
    }

    private static void printUsage(PrintWriter out, DemoCloud cloud) {
        out.println();
        out.println("factnet keeps running; Ctrl-C stops it. In another terminal:");
        out.println("  export FACTNET_BOOTSTRAP_SERVERS=" + cloud.bootstrapServers());
        out.println("  export FACTNET_SCHEMA_REGISTRY_URL=" + cloud.registryUrl());
        out.println("  export FACTNET_CONTROLLER_URL=" + cloud.controllerUrl());
        out.println("  ./factnet request allocate-fixed-ip --project acme --instance web-15 --group web --wait-applied");
        out.println("  ./factnet request allocate-floating-ip --project acme --pool public --wait --json");
        out.println("  ./factnet request add-rule --project globex --group app --protocol TCP --from-port 22 --to-port 22"
                + " --source-cidr 192.0.2.0/24 --wait-applied");
        out.println("  ./factnet show instances --project acme");
        out.println("  ./factnet show floating-ips --json");
        out.println("  curl -s " + cloud.controllerUrl() + "/metrics | grep factnet_");
        out.println("  open " + cloud.controllerUrl() + "/console/ in a browser: the console follows the requests live");
        out.println("  cat " + cloud.roleFolder(Scenario.nodeOf(NodeRole.ADDRESSING).nodeId(), NodeRole.ADDRESSING) + "/br*/hosts");
        out.println("  cat " + cloud.kernelRulesetFile() + "    # rewritten every second");
        out.flush();
    }
}
