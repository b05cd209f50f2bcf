package io.factnet.cli.history;

import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Why a fact is as it is: the facts that name a thing (an address, an instance, a rule id, a node entry's resource),
 * the requests of its project that named it or last changed one of its node entries, and for each node entry about
 * it, when it was written and when its node acknowledged having applied it. Read from the topics only, never from a
 * node: it answers for a node that is down too.
 */
final class FactTrail {
    /** A fact of a state topic that names the thing. */
    record Fact(String topic, String key, SpecificRecord value, String project) {
    }

    /** A node entry about the thing, and its node's first ack that covers it (null: not acknowledged yet). */
    record NodeEntry(String nodeId, NodeRole role, String resource, int partition, long offset, Instant written,
                     String requestId, Instant appliedAt, String ackError) {
    }

    record Trail(String thing, String project, List<Fact> facts, List<ProjectHistory.Entry> requests, List<NodeEntry> nodes) {
    }

    private static final List<Topic<String, ? extends SpecificRecord>> STATE = List.of(Topics.STATE_NETWORKS,
            Topics.STATE_GROUP_SUBNETS, Topics.STATE_GROUPS, Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS,
            Topics.STATE_VPNS);

    private FactTrail() {
    }

    /** The trail of {@code thing}; {@code project} may be null when the facts name exactly one project. */
    static Trail of(TopicWindow window, String thing, String project) {
        List<Fact> facts = facts(window, thing);
        TreeSet<String> projects = new TreeSet<>();
        facts.forEach(fact -> projects.add(fact.project()));
        String owner = project;
        if (owner == null) {
            if (projects.size() > 1) {
                throw new IllegalArgumentException(thing + " is named in the facts of projects " + projects + ": give --project");
            }
            if (projects.isEmpty()) {
                throw new IllegalArgumentException("no fact names " + thing + " (a released address, a deleted instance?): give "
                        + "--project to search that project's requests");
            }
            owner = projects.first();
        }
        String chosen = owner;
        List<Fact> ownFacts = facts.stream().filter(fact -> fact.project().equals(chosen)).toList();
        // an instance's or a group's facts are keyed by addresses: what is about those addresses is about it too
        Set<String> related = new LinkedHashSet<>(List.of(thing));
        ownFacts.stream().map(Fact::key).filter(FactTrail::isAddress).forEach(related::add);
        List<NodeEntry> nodes = acknowledged(window, nodeEntries(window, related, chosen));
        Set<String> changedEntries = new HashSet<>();
        nodes.forEach(entry -> changedEntries.add(entry.requestId()));
        List<ProjectHistory.Entry> requests = ProjectHistory.read(window, chosen, Instant.EPOCH, Instant.now()).stream()
                .filter(entry -> changedEntries.contains(entry.requestId())
                        || related.stream().anyMatch(one -> entry.request() != null && Mentions.of(entry.request().getCommand(), one)
                        || entry.result() != null && Mentions.of(entry.result().getAllocated(), one)))
                .toList();
        return new Trail(thing, chosen, ownFacts, requests, nodes);
    }

    private static List<Fact> facts(TopicWindow window, String thing) {
        List<Fact> facts = new ArrayList<>();
        for (Topic<String, ? extends SpecificRecord> topic : STATE) {
            for (TopicWindow.Read<? extends SpecificRecord> fact : window.latest(topic)) {
                SpecificRecord value = fact.value();
                if ((Mentions.inKey(fact.key(), thing) || Mentions.of(value, thing)) && field(value, "project") != null) {
                    facts.add(new Fact(topic.name(), fact.key(), value, field(value, "project")));
                }
            }
        }
        return facts;
    }

    /** The current node entries about the things in the project: a key segment is one, or the entry names one. */
    private static List<NodeEntry> nodeEntries(TopicWindow window, Set<String> things, String project) {
        List<NodeEntry> entries = new ArrayList<>();
        for (NodeRole role : NodeRole.values()) {
            for (TopicWindow.Read<? extends SpecificRecord> read : window.latest(Topics.forRole(role))) {
                String resource = NodeKeys.resourceOf(read.key());
                boolean about = things.stream().anyMatch(thing -> Mentions.inKey(resource, thing) || Mentions.of(read.value(), thing));
                boolean ofProject = Mentions.inKey(resource, project) || project.equals(field(read.value(), "project"));
                if (about && ofProject) {
                    entries.add(new NodeEntry(NodeKeys.nodeIdOf(read.key()), role, resource, read.partition().partition(),
                            read.offset(), read.written(), field(read.value(), "requestId"), null, null));
                }
            }
        }
        return entries;
    }

    /** Each entry with its node's first ack that covers its offset, read from the node events. */
    private static List<NodeEntry> acknowledged(TopicWindow window, List<NodeEntry> entries) {
        Set<String> ackKeys = new HashSet<>();
        entries.forEach(entry -> ackKeys.add(ackKey(entry.nodeId(), entry.role())));
        List<NodeEntry> result = new ArrayList<>(entries);
        if (entries.isEmpty()) {
            return result;
        }
        for (TopicWindow.Read<Request> read : window.read(Topics.NODE_EVENTS, window.allPartitions(Topics.NODE_EVENTS),
                Instant.EPOCH, ackKeys::contains)) {
            if (read.value() == null || !(read.value().getCommand() instanceof AppliedAck ack)) {
                continue;
            }
            for (int i = 0; i < result.size(); i++) {
                NodeEntry entry = result.get(i);
                boolean covers = entry.appliedAt() == null && entry.nodeId().equals(ack.getNodeId()) && entry.role() == ack.getRole()
                        && entry.partition() == ack.getPartition() && ack.getAppliedOffset() >= entry.offset();
                if (!covers) {
                    continue;
                }
                boolean notApplied = ack.getError() != null
                        && (ack.getNotApplied() == null || ack.getNotApplied().contains(entry.resource()));
                result.set(i, notApplied
                        ? new NodeEntry(entry.nodeId(), entry.role(), entry.resource(), entry.partition(), entry.offset(),
                        entry.written(), entry.requestId(), null, ack.getError())
                        : new NodeEntry(entry.nodeId(), entry.role(), entry.resource(), entry.partition(), entry.offset(),
                        entry.written(), entry.requestId(), read.written(), null));
            }
        }
        return result;
    }

    private static String ackKey(String nodeId, NodeRole role) {
        return NodeKeys.key(nodeId, role.name().toLowerCase(Locale.ROOT));
    }

    /** A string field of a record by name, or null when it has none. */
    static String field(SpecificRecord record, String name) {
        Schema.Field field = record.getSchema().getField(name);
        Object value = field == null ? null : record.get(field.pos());
        return value == null ? null : value.toString();
    }

    private static boolean isAddress(String key) {
        try {
            Ipv4Address.parse(key);
            return true;
        } catch (InvalidValueException e) {
            return false;
        }
    }
}
