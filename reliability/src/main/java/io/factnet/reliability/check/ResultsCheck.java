package io.factnet.reliability.check;

import io.factnet.model.AppliedAck;
import io.factnet.model.Result;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.send.Sent;
import io.factnet.reliability.send.SentLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Check 1: every request sent has exactly one result on {@code factnet.results}, none missing, none
 * doubled. Counted per send: a request id sent twice (a client retrying) gets its first result once more,
 * so it must have two results, and the second must say what the first said (status, reason, allocation).
 * Applied acks have no result by design and are not counted.
 */
public final class ResultsCheck {
    private ResultsCheck() {
    }

    /**
     * @param sends       committed sends of requests that must be answered
     * @param results     results read (readable ones)
     * @param missing     requests with fewer results than sends ("project/id: sent n, results m")
     * @param doubled     requests with more results than sends
     * @param unexpected  results for requests nobody sent
     * @param repeatsDiffering requests whose later results differ from the first
     * @param unreadable  results that could not be decoded
     */
    public record Report(int sends, int results, List<String> missing, List<String> doubled, List<String> unexpected,
                         List<String> repeatsDiffering, List<String> unreadable) {

        public boolean exactlyOnePerSend() {
            return missing.isEmpty() && doubled.isEmpty() && unexpected.isEmpty() && repeatsDiffering.isEmpty()
                    && unreadable.isEmpty();
        }

        @Override
        public String toString() {
            return "sends " + sends + ", results " + results + ", missing " + Lists.head(missing) + ", doubled "
                    + Lists.head(doubled) + ", unexpected " + Lists.head(unexpected) + ", repeats differing "
                    + Lists.head(repeatsDiffering) + ", unreadable " + Lists.head(unreadable);
        }
    }

    public static Report check(SentLog log, List<Decoded<Result>> results) {
        return check(log.committed(), results);
    }

    public static Report check(List<Sent> committed, List<Decoded<Result>> results) {
        return check(committed, results, Set.of());
    }

    /**
     * @param sentByOthers requests that others sent (the node agents register their node): their results
     *                     are expected, not counted as unexpected
     */
    public static Report check(List<Sent> committed, List<Decoded<Result>> results, Set<RequestKey> sentByOthers) {
        Map<RequestKey, Integer> sends = new LinkedHashMap<>();
        for (Sent sent : committed) {
            if (sent.request() != null && !(sent.request().getCommand() instanceof AppliedAck)) {
                sends.merge(RequestKey.of(sent.request()), 1, Integer::sum);
            }
        }
        Map<RequestKey, List<Result>> answers = new LinkedHashMap<>();
        List<String> unreadable = new ArrayList<>();
        int count = 0;
        for (Decoded<Result> result : results) {
            if (!result.readable() || result.value() == null) {
                unreadable.add(result.where() + (result.readable() ? " (tombstone)" : ": " + result.error()));
                continue;
            }
            count++;
            answers.computeIfAbsent(RequestKey.of(result.value()), k -> new ArrayList<>()).add(result.value());
        }
        List<String> missing = new ArrayList<>();
        List<String> doubled = new ArrayList<>();
        List<String> differing = new ArrayList<>();
        sends.forEach((key, sent) -> {
            List<Result> got = answers.getOrDefault(key, List.of());
            if (got.size() < sent) {
                missing.add(key + ": sent " + sent + ", results " + got.size());
            } else if (got.size() > sent) {
                doubled.add(key + ": sent " + sent + ", results " + got.size());
            }
            for (Result repeat : got.subList(Math.min(1, got.size()), got.size())) {
                if (!sameAnswer(got.get(0), repeat)) {
                    differing.add(key + ": first " + got.get(0).getStatus() + " " + got.get(0).getReason() + ", then "
                            + repeat.getStatus() + " " + repeat.getReason());
                }
            }
        });
        List<String> unexpected = new ArrayList<>();
        answers.keySet().stream().filter(key -> !sends.containsKey(key) && !sentByOthers.contains(key))
                .forEach(key -> unexpected.add(key.toString()));
        return new Report(sends.values().stream().mapToInt(Integer::intValue).sum(), count, missing, doubled, unexpected,
                differing, unreadable);
    }

    /** The same answer: command, status, reason and what was allocated (the message and time may differ). */
    static boolean sameAnswer(Result first, Result again) {
        return Objects.equals(first.getCommand(), again.getCommand()) && first.getStatus() == again.getStatus()
                && first.getReason() == again.getReason() && Objects.equals(first.getAllocated(), again.getAllocated());
    }
}
