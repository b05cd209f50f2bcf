package io.factnet.cli;

import io.factnet.cli.history.TopicWindow;
import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.node.NodeReplay;
import io.factnet.node.trace.Hop;
import io.factnet.node.trace.ReplayedNodes;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;

/**
 * {@code factnet trace --applied}: what the nodes acked (their last {@link AppliedAck} per role on the node events, with
 * the offset of their role partition their kernel reflects), the node entries that changed after it, and how the trace
 * over the acked state compares with the trace over the desired state, hop by hop (ADR 0043).
 */
final class AppliedState {
    /** The roles a trace replays: the ones whose acks matter here. */
    static final List<NodeRole> TRACED_ROLES = List.of(NodeRole.ROUTING, NodeRole.BRIDGING, NodeRole.TUNNELING);

    /** An entry of a node whose desired value is not what the node acked: changed, added or removed after the ack. */
    record Pending(String node, NodeRole role, String entry, String requestId, String how) {
        String describe() {
            return entry + " (" + how + (requestId == null ? "" : ", request " + requestId) + ")";
        }
    }

    private AppliedState() {
    }

    /** Each node's last ack per role (the node events keep them in order per node and role: one key, one partition). */
    static Map<String, Map<NodeRole, TopicWindow.Read<Request>>> acks(TopicWindow window, Collection<String> nodeIds) {
        Set<String> keys = new HashSet<>();
        for (String node : nodeIds) {
            TRACED_ROLES.forEach(role -> keys.add(NodeKeys.key(node, role.name().toLowerCase(Locale.ROOT))));
        }
        Map<String, Map<NodeRole, TopicWindow.Read<Request>>> acks = new LinkedHashMap<>();
        for (TopicWindow.Read<Request> read : window.read(Topics.NODE_EVENTS, window.allPartitions(Topics.NODE_EVENTS),
                Instant.EPOCH, keys::contains)) {
            if (read.value() != null && read.value().getCommand() instanceof AppliedAck ack) {
                acks.computeIfAbsent(ack.getNodeId(), n -> new EnumMap<>(NodeRole.class)).put(ack.getRole(), read);
            }
        }
        return acks;
    }

    static AppliedAck ack(TopicWindow.Read<Request> read) {
        return (AppliedAck) read.value().getCommand();
    }

    /** The records a node's kernel reflects: per role up to its acked offset; a role never acked: none. */
    static NodeReplay.Cut cut(Map<NodeRole, TopicWindow.Read<Request>> acks) {
        Map<NodeRole, Long> offsets = new EnumMap<>(NodeRole.class);
        if (acks != null) {
            acks.forEach((role, read) -> offsets.put(role, ack(read).getAppliedOffset()));
        }
        return NodeReplay.Cut.upTo(offsets);
    }

    /** The entries whose desired value differs from the acked one, node by node, role by role. */
    static List<Pending> pending(ReplayedNodes.Replayed desired, ReplayedNodes.Replayed applied) {
        List<Pending> out = new ArrayList<>();
        desired.summaries().forEach((node, summaries) -> {
            List<NodeReplay.Summary> appliedSummaries = applied.summaries().getOrDefault(node, List.of());
            for (NodeReplay.Summary summary : summaries) {
                Map<String, ? extends SpecificRecord> want = summary.desired();
                Map<String, ? extends SpecificRecord> have = appliedSummaries.stream().filter(s -> s.role() == summary.role())
                        .findFirst().<Map<String, ? extends SpecificRecord>>map(NodeReplay.Summary::desired).orElse(Map.of());
                Set<String> resources = new TreeSet<>(want.keySet());
                resources.addAll(have.keySet());
                for (String resource : resources) {
                    SpecificRecord w = want.get(resource);
                    SpecificRecord h = have.get(resource);
                    if (!Objects.equals(w, h)) {
                        String how = h == null ? "not yet applied" : w == null ? "removed, still applied" : "changed, the older value applied";
                        out.add(new Pending(node, summary.role(), resource, requestId(w != null ? w : h), how));
                    }
                }
            }
        });
        return out;
    }

    /** The request id every node entry record carries. */
    private static String requestId(SpecificRecord record) {
        org.apache.avro.Schema.Field field = record.getSchema().getField("requestId");
        Object value = field == null ? null : record.get(field.pos());
        return value == null ? null : value.toString();
    }

    /**
     * Per hop of the desired trace, what the applied trace did there: "same"; "differs: RULE -> VERDICT" (the same
     * node, table and base chain decided otherwise); "not reached" (the applied trace ended before, or went elsewhere).
     */
    static List<String> compare(List<Hop> desired, List<Hop> applied) {
        List<String> out = new ArrayList<>();
        int next = 0;
        for (Hop hop : desired) {
            int same = -1;
            for (int i = next; i < applied.size(); i++) {
                if (applied.get(i).sameDecision(hop)) {
                    same = i;
                    break;
                }
            }
            if (same >= 0) {
                out.add("same");
                next = same + 1;
                continue;
            }
            String base = hop.chain().split(" > ")[0];
            Hop other = null;
            for (int i = next; i < applied.size() && other == null; i++) {
                Hop a = applied.get(i);
                if (a.node().equals(hop.node()) && a.table().equals(hop.table()) && a.chain().split(" > ")[0].equals(base)) {
                    other = a;
                }
            }
            out.add(other == null ? "not reached" : "differs: " + other.chain() + ": " + other.rule()
                    + (other.nat().isEmpty() ? "" : " (" + other.nat() + ")") + " -> " + other.verdict());
        }
        return out;
    }

    /** The pending entries a hop of the desired trace was rendered from: what the desired verdict depends on. */
    static List<Pending> dependedOn(List<Hop> desired, List<Pending> pending) {
        List<Pending> out = new ArrayList<>();
        for (Pending p : pending) {
            boolean used = desired.stream().anyMatch(h -> h.node().equals(p.node()) && h.entry().equals(p.entry()));
            if (used && !out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }
}
