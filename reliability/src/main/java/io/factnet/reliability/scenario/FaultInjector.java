package io.factnet.reliability.scenario;

import io.factnet.reliability.process.ControllerProcess;
import io.factnet.reliability.process.NodeAgentProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks one part of a {@link ChaosCluster} and brings it back: a controller killed with -9 or stopped
 * cleanly and started again after a seeded outage, the broker killed with -9 and started again at once on
 * its folder, a node agent killed with -9 and started again, or a node whose tools fail for a while. The
 * target and the outage come from the seed; each fault returns when the part is back.
 */
public final class FaultInjector {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

    public enum Kind {
        CONTROLLER_KILL("controller kill -9"),
        CONTROLLER_STOP("controller clean stop and restart"),
        BROKER_KILL("broker kill -9 and restart on its folder"),
        AGENT_KILL("node agent kill -9 and restart"),
        AGENT_APPLY_FAILS("node agent whose applies fail for a while");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A fault as it happened: when it began (the kill, the stop, the tools breaking) and when the part was back. */
    public record Injected(Kind kind, String target, Instant began, Instant ended, String detail) {
        @Override
        public String toString() {
            return kind.label + " of " + target + " (" + detail + ", back after "
                    + Duration.between(began, ended).toMillis() + " ms)";
        }
    }

    private final ChaosCluster cluster;
    private final SplittableRandom random;
    private final Duration longestOutage;
    private final Duration longestToolFailure;

    /**
     * @param longestOutage      a controller or agent stays down up to this long before it is started again
     * @param longestToolFailure a node's tools fail for 3 s up to this long
     */
    public FaultInjector(ChaosCluster cluster, SplittableRandom random, Duration longestOutage, Duration longestToolFailure) {
        this.cluster = cluster;
        this.random = random;
        this.longestOutage = longestOutage;
        this.longestToolFailure = longestToolFailure;
    }

    public Injected inject(Kind kind) {
        return switch (kind) {
            case CONTROLLER_KILL, CONTROLLER_STOP -> controller(kind, pick(cluster.controllers()));
            case BROKER_KILL -> broker();
            case AGENT_KILL -> agentKill(pick(cluster.agents()));
            case AGENT_APPLY_FAILS -> toolsFail(pick(cluster.agents()));
        };
    }

    private Injected controller(Kind kind, ControllerProcess controller) {
        Duration outage = outage(longestOutage);
        Instant began = Instant.now();
        String detail;
        if (kind == Kind.CONTROLLER_KILL) {
            controller.kill();
            detail = "down " + outage.toMillis() + " ms";
        } else {
            int exit = controller.stop();
            detail = "exit code " + exit + ", down " + outage.toMillis() + " ms";
        }
        log.info("chaos: {} of {} ({})", kind.label, controller.jvm(), detail);
        hold(outage);
        controller.restart();
        return new Injected(kind, controller.jvm().toString(), began, Instant.now(), detail);
    }

    private Injected broker() {
        Instant began = Instant.now();
        cluster.broker().kill();
        log.info("chaos: killed the broker with -9; restarting it on its folder");
        Duration ready = cluster.broker().restart();
        return new Injected(Kind.BROKER_KILL, "broker", began, Instant.now(), "restart to ready " + ready.toMillis() + " ms");
    }

    private Injected agentKill(NodeAgentProcess agent) {
        Duration outage = outage(longestOutage);
        Instant began = Instant.now();
        agent.kill();
        log.info("chaos: killed the agent of {} with -9, down {} ms", agent.nodeId(), outage.toMillis());
        hold(outage);
        agent.restart();
        return new Injected(Kind.AGENT_KILL, agent.jvm().toString(), began, Instant.now(), "down " + outage.toMillis() + " ms");
    }

    private Injected toolsFail(NodeAgentProcess agent) {
        Duration failing = Duration.ofMillis(3000 + random.nextLong(Math.max(1, longestToolFailure.toMillis() - 3000)));
        Instant began = Instant.now();
        agent.breakTools();
        log.info("chaos: the tools of {} fail for {} ms", agent.nodeId(), failing.toMillis());
        hold(failing);
        agent.repairTools();
        return new Injected(Kind.AGENT_APPLY_FAILS, agent.nodeId(), began, Instant.now(), "tools failed " + failing.toMillis() + " ms");
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private Duration outage(Duration longest) {
        return Duration.ofMillis(random.nextLong(longest.toMillis() + 1));
    }

    /** The fault lasts this long: the outage itself, not a wait for something to happen. */
    private static void hold(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a fault", e);
        }
    }
}
