package io.factnet.node.bridging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The VXLAN devices' peers (ADR 0035): one all-zeros fdb entry per peer, so that broadcast, unknown unicast and
 * multicast go to each of them (head-end replication, no multicast underlay); learning is off, so these entries are
 * all the device knows beyond what the bridge learns. A change of peers adds and deletes entries, one
 * {@code bridge -batch}: the bridge and its instances stay.
 */
final class VxlanPeers {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ALL_ZEROS = "00:00:00:00:00:00";

    private VxlanPeers() {
    }

    record PeerChange(boolean changed, List<Rejection> failed) {
    }

    static PeerChange sync(Host host, Path batch, List<BridgeModel.Bridge> bridges) {
        List<BridgeModel.Bridge> vxlans = bridges.stream().filter(b -> b.vxlan().isPresent()).toList();
        if (vxlans.isEmpty()) {
            return new PeerChange(false, List.of());
        }
        Map<String, Set<String>> present = present(host);
        Map<String, String> byBridge = new LinkedHashMap<>();
        for (BridgeModel.Bridge bridge : vxlans) {
            String lines = lines(bridge.vxlan().get(), present);
            if (!lines.isEmpty()) {
                byBridge.put(bridge.resource(), lines);
            }
        }
        if (byBridge.isEmpty()) {
            return new PeerChange(false, List.of());
        }
        StateFiles.write(batch, String.join("", byBridge.values()), StateFiles.PRIVATE);
        List<Rejection> failed = new ArrayList<>();
        if (!host.tryRun("bridge", "-batch", batch.toString()).ok()) {
            // As with the links: one device's failure must not hold back the others' peers. Planned again from the
            // kernel, since the batch stopped at its failing line.
            Map<String, Set<String>> now = present(host);
            for (BridgeModel.Bridge bridge : vxlans) {
                String lines = byBridge.containsKey(bridge.resource()) ? lines(bridge.vxlan().get(), now) : "";
                if (lines.isEmpty()) {
                    continue;
                }
                StateFiles.write(batch, lines, StateFiles.PRIVATE);
                CommandResult result = host.tryRun("bridge", "-batch", batch.toString());
                if (!result.ok()) {
                    failed.add(new Rejection(bridge.resource(), "bridge -batch failed: " + result.stderr().lines().findFirst()
                            .orElse("exit " + result.exitCode())));
                }
            }
        }
        return new PeerChange(true, failed);
    }

    /** The batch lines that take one device's peers from {@code present} to the model's: deletes, then appends. */
    private static String lines(BridgeModel.Vxlan vxlan, Map<String, Set<String>> present) {
        String device = vxlan.name().name();
        Set<String> wanted = new TreeSet<>(vxlan.peers().stream().map(Ipv4Address::toString).toList());
        Set<String> there = present.getOrDefault(device, Set.of());
        StringBuilder out = new StringBuilder();
        there.stream().filter(p -> !wanted.contains(p))
                .forEach(p -> out.append("fdb del ").append(ALL_ZEROS).append(" dev ").append(device).append(" dst ").append(p).append('\n'));
        wanted.stream().filter(p -> !there.contains(p))
                .forEach(p -> out.append("fdb append ").append(ALL_ZEROS).append(" dev ").append(device).append(" dst ").append(p).append('\n'));
        return out.toString();
    }

    /** VXLAN device -> the destinations of its all-zeros entries, as the kernel has them. */
    static Map<String, Set<String>> present(Host host) {
        String json = host.run("bridge", "-j", "fdb", "show").stdout();
        Map<String, Set<String>> present = new HashMap<>();
        try {
            for (JsonNode entry : JSON.readTree(json.isBlank() ? "[]" : json)) {
                if (ALL_ZEROS.equals(entry.path("mac").asText()) && entry.has("dst")) {
                    present.computeIfAbsent(entry.path("ifname").asText(), k -> new TreeSet<>()).add(entry.path("dst").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bridge's JSON output: " + e.getMessage(), e);
        }
        return present;
    }
}
