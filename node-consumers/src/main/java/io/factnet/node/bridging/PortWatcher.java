package io.factnet.node.bridging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.model.Request;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.IpLinks;
import io.factnet.net.MacAddress;
import io.factnet.node.runtime.NodeEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the ports of the instances on this node's bridges (ADR 0031). An instance's port is the bridge port its
 * MAC was learned on ({@code bridge -j fdb show}: a MAC the bridge forwards to that port, not an uplink). An
 * instance whose port has left the bridge (its link deleted, as when a VM or its namespace goes away, or moved
 * out of the bridge) for longer than the grace period is reported once with InstanceGone; when its MAC or its port
 * is on the bridge again after that, it is reported back with InstanceBack, and can go again.
 *
 * <p>What it does not know: the port of an instance whose MAC it never saw (a VM that never sent a frame since the
 * agent started, or whose learned entry aged out before then) is not known, so such an instance is never reported
 * gone. Everything here is read through the node's tools; nothing is written.
 */
final class PortWatcher {
    private static final Logger log = LoggerFactory.getLogger(PortWatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One instance port to watch: the instance's MAC on its network's bridge; uplinks carry other hosts' MACs. */
    record Watched(String project, String instance, MacAddress mac, String bridge, Set<String> uplinks) {
        String key() {
            return project + "/" + instance;
        }
    }

    /** What the watcher knows of one instance's port. */
    private static final class State {
        /** The bridge port its MAC was last learned on; null: never seen. */
        String port;
        /** When its port was first seen gone (watcher clock, ms); -1: it is there. */
        long goneSince = -1;
        boolean reported;
    }

    private final Host host;
    private final long graceMillis;
    private final long intervalMillis;
    private final LongSupplier millis;
    private Map<String, Watched> watched = Map.of();
    private final Map<String, State> states = new HashMap<>();
    private long nextCheck = Long.MIN_VALUE;
    private boolean failing;
    /** The instances whose port is known, as of the last check: read by other threads (status, tests). */
    private volatile Set<String> known = Set.of();

    PortWatcher(Host host, Duration grace, LongSupplier millis) {
        this.host = host;
        this.graceMillis = grace.toMillis();
        this.intervalMillis = Math.max(50, Math.min(1000, graceMillis / 4));
        this.millis = millis;
    }

    /** The ports to watch from now on (the last applied desired state); what is no longer watched is forgotten. */
    void watch(List<Watched> ports) {
        Map<String, Watched> next = new LinkedHashMap<>();
        ports.forEach(p -> next.put(p.key(), p));
        watched = next;
        states.keySet().retainAll(next.keySet());
    }

    int watching() {
        return watched.size();
    }

    /** Looks at the bridges when a check is due (at most every interval) and returns the events to send. */
    List<Request> poll(String nodeId) {
        long now = millis.getAsLong();
        if (watched.isEmpty() || now < nextCheck) {
            return List.of();
        }
        nextCheck = now + intervalMillis;
        Map<String, IpLinks.Link> links;
        Map<String, String> learned;
        try {
            links = IpLinks.read(host);
            learned = learned(host);
            if (failing) {
                log.info("instance ports can be read again");
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("cannot read the bridges' ports, instances are not watched until it works again: {}", e.getMessage());
                failing = true;
            }
            return List.of();
        }
        List<Request> events = new ArrayList<>();
        for (Watched port : watched.values()) {
            State state = states.computeIfAbsent(port.key(), k -> new State());
            String seenOn = learned.get(port.bridge() + " " + port.mac());
            if (seenOn != null && (port.uplinks().contains(seenOn) || !onBridge(links, seenOn, port.bridge()))) {
                seenOn = null; // another host's, through the uplink
            }
            boolean there = seenOn != null || state.port != null && onBridge(links, state.port, port.bridge());
            if (seenOn != null) {
                state.port = seenOn;
            }
            if (state.port == null) {
                continue; // never seen: not known to be anywhere, so not gone either
            }
            if (there) {
                state.goneSince = -1;
                if (state.reported) {
                    state.reported = false;
                    log.info("instance {} of {} is back on {} (port {})", port.instance(), port.project(), port.bridge(), state.port);
                    events.add(NodeEvents.instanceBack(port.project(), nodeId, port.instance()));
                }
            } else if (state.goneSince < 0) {
                state.goneSince = now;
            } else if (!state.reported && now - state.goneSince >= graceMillis) {
                state.reported = true;
                log.info("instance {} of {}: its port {} left {} {} ms ago: reported gone", port.instance(), port.project(), state.port,
                        port.bridge(), now - state.goneSince);
                events.add(NodeEvents.instanceGone(port.project(), nodeId, port.instance()));
            }
        }
        Set<String> nowKnown = new java.util.TreeSet<>();
        states.forEach((key, state) -> {
            if (state.port != null) {
                nowKnown.add(key);
            }
        });
        known = Set.copyOf(nowKnown);
        return events;
    }

    Set<String> known() {
        return known;
    }

    private static boolean onBridge(Map<String, IpLinks.Link> links, String port, String bridge) {
        IpLinks.Link link = links.get(port);
        return link != null && bridge.equals(link.master());
    }

    /**
     * "bridge mac" -> port of the MACs the bridges forward to a port: learned (and static) entries of a bridge, not the
     * ports' own permanent addresses and not the devices' own ({@code self}) entries.
     */
    static Map<String, String> learned(Host host) {
        CommandResult result = host.run("bridge", "-j", "fdb", "show");
        Map<String, String> learned = new HashMap<>();
        try {
            String json = result.stdout();
            for (JsonNode entry : JSON.readTree(json.isBlank() ? "[]" : json)) {
                String master = entry.path("master").asText("");
                String state = entry.path("state").asText("");
                boolean self = false;
                for (JsonNode flag : entry.path("flags")) {
                    self |= flag.asText().equals("self");
                }
                if (master.isEmpty() || self || state.equals("permanent")) {
                    continue;
                }
                try {
                    learned.put(master + " " + MacAddress.parse(entry.path("mac").asText()), entry.path("ifname").asText());
                } catch (IllegalArgumentException e) {
                    // not a unicast MAC of an instance
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bridge's JSON output: " + e.getMessage(), e);
        }
        return learned;
    }
}
