package io.factnet.node.bridging;

import static io.factnet.node.Entries.bridge;
import static io.factnet.node.Entries.port;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.BridgingEntry;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.Request;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.net.InterfaceName;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.sim.SimulatedHost;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridging agent's watch of instance ports (ADR 0031) on the simulated kernel, with a clock of the test's own:
 * instances' ports are links in the project's bridge, their MACs in the bridge's forwarding database
 * ({@code bridge fdb add ... dynamic} stands in for a MAC the bridge learned from the instance's first frame).
 */
class PortWatcherTest {
    static final Duration GRACE = Duration.ofSeconds(30);
    static final String VM1_MAC = "fa:16:3e:00:00:01";
    static final String VM2_MAC = "fa:16:3e:00:00:02";

    @TempDir
    Path folder;
    SimulatedHost sim;
    AtomicLong clock = new AtomicLong(1_000_000);
    List<Request> sent = new ArrayList<>();
    BridgingReconciler reconciler;
    SortedMap<String, BridgingEntry> desired = new TreeMap<>();

    @BeforeEach
    void node() {
        sim = new SimulatedHost(KernelFeatures.of(true, false));
        sim.ip().addLink("eth1", "veth");
        reconciler = new BridgingReconciler(sim.host(), folder, new BridgingConfig(BridgingConfig.VlanMode.TAGGED,
                Map.of("physnet1", InterfaceName.of("eth1")), GRACE), "b1", clock::get);
        reconciler.preflight();
        desired.put("bridge/p1", bridge("p1", "br100", 100, "10.0.0.1/20"));
        desired.put("port/p1/vm1", port("p1", "vm1", VM1_MAC, "10.0.0.2"));
        desired.put("port/p1/vm2", port("p1", "vm2", VM2_MAC, "10.0.0.3"));
        reconciler.sync(desired, true);
    }

    /** A VM's port: a link in the bridge, and its MAC learned on it. */
    void vmPort(String port, String bridge, String mac) {
        sim.host().run("ip", "link", "add", port, "type", "dummy");
        sim.host().run("ip", "link", "set", port, "master", bridge, "up");
        sim.host().run("bridge", "fdb", "add", mac, "dev", port, "master", "dynamic");
    }

    /** Lets the clock run in steps of a second, polling the agent's events each time (as its loop does). */
    List<Request> pollFor(Duration duration) {
        List<Request> events = new ArrayList<>();
        for (long t = 0; t < duration.toMillis(); t += 1000) {
            clock.addAndGet(1000);
            reconciler.pollEvents(events::add);
        }
        sent.addAll(events);
        return events;
    }

    @Test
    void aPortGoneForTheGracePeriodIsReportedOnceAndBackWhenItReturns() {
        vmPort("tap1", "br100", VM1_MAC);
        vmPort("tap2", "br100", VM2_MAC);
        assertThat(pollFor(Duration.ofMinutes(2))).as("both ports are there").isEmpty();

        sim.host().run("ip", "link", "del", "tap1"); // the VM crashed: its tap is gone, and its MAC from the bridge
        assertThat(pollFor(GRACE.minusSeconds(2))).as("within the grace period (a reboot)").isEmpty();
        List<Request> gone = pollFor(Duration.ofSeconds(5));
        assertThat(gone).singleElement().satisfies(event -> {
            assertThat(event.getProject()).isEqualTo("p1");
            assertThat(RequestRoutes.topicOf(event)).isEqualTo(Topics.NODE_EVENTS);
            assertThat(event.getCommand()).isEqualTo(InstanceGone.newBuilder().setInstance("vm1").setNodeId("b1").build());
        });
        assertThat(pollFor(Duration.ofMinutes(5))).as("once per disappearance").isEmpty();

        vmPort("tap1", "br100", VM1_MAC); // it is started again
        assertThat(pollFor(Duration.ofSeconds(2))).singleElement()
                .satisfies(event -> assertThat(event.getCommand()).isEqualTo(new InstanceBack("b1", "vm1")));
        assertThat(pollFor(Duration.ofMinutes(1))).isEmpty();

        sim.host().run("ip", "link", "set", "tap1", "nomaster"); // taken out of the bridge: gone again
        assertThat(pollFor(GRACE.plusSeconds(2))).singleElement()
                .satisfies(event -> assertThat(event.getCommand()).isInstanceOf(InstanceGone.class));
        assertThat(sent).as("vm2 never left").noneMatch(e -> e.getCommand().toString().contains("vm2"));
    }

    @Test
    void aPortBackWithinTheGracePeriodIsNotReportedAndAnAgedOutMacIsNotAGonePort() {
        vmPort("tap1", "br100", VM1_MAC);
        pollFor(Duration.ofSeconds(5));
        sim.host().run("bridge", "fdb", "del", VM1_MAC, "dev", "tap1", "master"); // the learned entry aged out: the port stays
        assertThat(pollFor(Duration.ofMinutes(2))).as("a quiet instance is not a gone one").isEmpty();

        sim.host().run("ip", "link", "del", "tap1");
        pollFor(GRACE.minusSeconds(10));
        vmPort("tap9", "br100", VM1_MAC); // back on another port before the grace period ended (a migration's switch-over)
        assertThat(pollFor(Duration.ofMinutes(2))).isEmpty();
    }

    @Test
    void onlyInstancesWatchedOnTheirOwnBridgeCount() {
        vmPort("tap1", "br100", VM1_MAC);
        sim.host().run("bridge", "fdb", "add", VM2_MAC, "dev", "vlan100", "master", "dynamic"); // vm2's MAC behind the uplink
        sim.host().run("ip", "link", "add", "br999", "type", "bridge"); // the operator's bridge, not watched
        vmPort("other", "br999", "02:00:00:00:00:99");
        pollFor(Duration.ofSeconds(5));
        sim.host().run("ip", "link", "del", "other");
        sim.host().run("ip", "link", "del", "vlan100"); // the uplink goes with vm2's MAC: vm2 was never known to be here
        assertThat(pollFor(Duration.ofMinutes(2))).isEmpty();

        // vm1 leaves the desired state (released) and then its port goes: nothing to report.
        desired.remove("port/p1/vm1");
        SyncReport report = reconciler.sync(desired, false);
        assertThat(report.rejected()).isEmpty();
        sim.host().run("ip", "link", "del", "tap1");
        assertThat(pollFor(Duration.ofMinutes(2))).isEmpty();
    }

    @Test
    void anInvalidPortEntryIsRejectedAndTheOthersWatched() {
        desired.put("port/p1/bad", port("p1", "bad", "01:00:5e:00:00:01", "10.0.0.9"));
        SyncReport report = reconciler.sync(desired, false);
        assertThat(report.rejected()).singleElement().satisfies(r -> assertThat(r.resource()).isEqualTo("port/p1/bad"));
        vmPort("tap2", "br100", VM2_MAC);
        pollFor(Duration.ofSeconds(3));
        sim.host().run("ip", "link", "del", "tap2");
        assertThat(pollFor(GRACE.plusSeconds(3))).singleElement()
                .satisfies(event -> assertThat(event.getCommand()).isEqualTo(InstanceGone.newBuilder().setInstance("vm2").setNodeId("b1").build()));
    }

    @Test
    void aReconcilerThatDoesNotWatchSendsNothingAndRunsNoTool() {
        BridgingReconciler quiet = new BridgingReconciler(sim.host(), folder, new BridgingConfig(BridgingConfig.VlanMode.TAGGED,
                Map.of("physnet1", InterfaceName.of("eth1")), GRACE));
        quiet.sync(desired, true);
        vmPort("tap1", "br100", VM1_MAC);
        sim.host().run("ip", "link", "del", "tap1");
        sim.clearCommands();
        List<Request> events = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(1000);
            quiet.pollEvents(events::add);
        }
        assertThat(events).isEmpty();
        assertThat(sim.commands()).isEmpty();
    }
}
