package io.factnet.cli.history;

import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A project's requests and their results in a time window, read back from the event topics: the audit trail the
 * state topics cannot give. A project's requests, admin requests and node events are co-partitioned by project, so
 * one partition of each is read; its results are keyed by request id and spread over every partition of the results
 * topic, so all of them are read from the window's start (by time, not from the beginning).
 */
final class ProjectHistory {
    /** One request id: the first request sent under it (and how often it was sent), and its result when there is one. */
    record Entry(String requestId, Request request, String via, Instant sent, int sends, Result result, String unreadable) {
        Long sequence() {
            return result == null ? null : result.getSequence();
        }

        /** When it happened: the request's record, else the result's. */
        Instant when() {
            return sent != null ? sent : result.getCompletedAt();
        }
    }

    /** Where a project's requests come from, and what the history calls each channel. */
    static final Map<Topic<String, Request>, String> CHANNELS = channels();

    private ProjectHistory() {
    }

    private static Map<Topic<String, Request>, String> channels() {
        Map<Topic<String, Request>, String> channels = new LinkedHashMap<>();
        channels.put(Topics.REQUESTS, "requests");
        channels.put(Topics.ADMIN_REQUESTS, "admin");
        channels.put(Topics.NODE_EVENTS, "node");
        return channels;
    }

    /** The entries of {@code project} from {@code since} to {@code until}, in the order the controller decided them. */
    static List<Entry> read(TopicWindow window, String project, Instant since, Instant until) {
        Map<String, Entry> byId = new LinkedHashMap<>();
        List<Entry> unreadable = new ArrayList<>();
        int partition = RequestRoutes.partitionOf(project, window.partitionCount(Topics.REQUESTS));
        for (Map.Entry<Topic<String, Request>, String> channel : CHANNELS.entrySet()) {
            for (TopicWindow.Read<Request> read : window.read(channel.getKey(), List.of(partition), since, project::equals)) {
                if (read.tombstone()) {
                    continue; // the controller dead-letters these; nothing was asked
                }
                if (read.value() == null) {
                    unreadable.add(new Entry(null, null, channel.getValue(), read.written(), 1, null,
                            read.partition() + "@" + read.offset() + ": " + read.error()));
                    continue;
                }
                Request request = read.value();
                byId.merge(request.getRequestId(), new Entry(request.getRequestId(), request, channel.getValue(), read.written(), 1, null, null),
                        (first, again) -> new Entry(first.requestId(), first.request(), first.via(), first.sent(), first.sends() + 1, null, null));
            }
        }
        for (TopicWindow.Read<Result> read : window.read(Topics.RESULTS, window.allPartitions(Topics.RESULTS), since, key -> true)) {
            Result result = read.value();
            if (result == null || !project.equals(result.getProject())) {
                continue; // an unreadable result names no project: it belongs to nobody's history
            }
            byId.compute(result.getRequestId(), (id, entry) -> entry == null
                    ? new Entry(id, null, null, null, 0, result, null)
                    : entry.result() != null ? entry
                    : new Entry(id, entry.request(), entry.via(), entry.sent(), entry.sends(), result, null));
        }
        List<Entry> entries = new ArrayList<>(byId.values());
        entries.addAll(unreadable);
        entries.removeIf(entry -> entry.when().isAfter(until));
        return inDecisionOrder(entries);
    }

    /**
     * By time, then the decided ones put back in the controller's order (its sequence) in the places they hold: a
     * request's record time and its decision's order differ when requests of one project came from several topics.
     */
    static List<Entry> inDecisionOrder(List<Entry> entries) {
        List<Entry> byTime = new ArrayList<>(entries);
        byTime.sort(Comparator.comparing(Entry::when));
        List<Entry> decided = byTime.stream().filter(e -> e.sequence() != null)
                .sorted(Comparator.comparing(Entry::sequence)).toList();
        List<Entry> ordered = new ArrayList<>(byTime.size());
        int next = 0;
        for (Entry entry : byTime) {
            ordered.add(entry.sequence() != null ? decided.get(next++) : entry);
        }
        return ordered;
    }
}
