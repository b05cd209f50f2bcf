package io.factnet.reliability.check;

import io.factnet.model.DeadLetter;
import io.factnet.model.Result;
import io.factnet.reliability.corpus.CorpusPlayer.Played;
import io.factnet.reliability.corpus.Expectation;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.read.Decoded;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bad-input verdicts: each record the corpus played got what its entry expects. The n-th send of a
 * request id is answered by the n-th result of that id (a request id's sends and results each stay in
 * one partition, in order). A record that could not be read must be on the dead-letter topic, found by
 * the topic, partition and offset it was written to, with an error that says why.
 */
public final class VerdictCheck {
    private VerdictCheck() {
    }

    /** Per family: how many were played and the entries whose outcome was wrong. */
    public record Report(Map<String, Integer> playedPerFamily, List<String> wrong) {
        public boolean allAsExpected() {
            return wrong.isEmpty();
        }

        @Override
        public String toString() {
            return playedPerFamily + "; wrong " + Lists.head(wrong);
        }
    }

    private record Where(String topic, int partition, long offset) {
    }

    public static Report check(List<Played> played, List<Decoded<Result>> results, List<Decoded<DeadLetter>> deadLetters) {
        Map<RequestKey, List<Result>> answers = new HashMap<>();
        for (Decoded<Result> result : results) {
            if (result.readable() && result.value() != null) {
                answers.computeIfAbsent(RequestKey.of(result.value()), k -> new ArrayList<>()).add(result.value());
            }
        }
        Map<Where, DeadLetter> letters = new HashMap<>();
        for (Decoded<DeadLetter> letter : deadLetters) {
            if (letter.readable() && letter.value() != null) {
                DeadLetter value = letter.value();
                letters.put(new Where(value.getTopic(), value.getPartition(), value.getOffset()), value);
            }
        }
        Map<String, Integer> perFamily = new LinkedHashMap<>();
        Map<RequestKey, Integer> sendsSoFar = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Played record : played) {
            perFamily.merge(record.family(), 1, Integer::sum);
            String problem = problem(record, answers, letters, sendsSoFar);
            if (problem != null) {
                wrong.add(record.name() + " [" + record.family() + "]: " + problem);
            }
        }
        return new Report(perFamily, wrong);
    }

    private static String problem(Played record, Map<RequestKey, List<Result>> answers, Map<Where, DeadLetter> letters,
                                  Map<RequestKey, Integer> sendsSoFar) {
        Expectation expect = record.expect();
        if (expect.kind() == Expectation.Kind.DEAD_LETTER) {
            DeadLetter letter = letters.get(new Where(record.sent().topic(), record.sent().partition(), record.sent().offset()));
            if (letter == null) {
                return "expected a dead letter for " + record.sent().topic() + "-" + record.sent().partition() + "@"
                        + record.sent().offset() + ", found none";
            }
            if (!letter.getError().toLowerCase(Locale.ROOT).contains(expect.errorText().toLowerCase(Locale.ROOT))) {
                return "the dead letter's error does not say \"" + expect.errorText() + "\": " + letter.getError();
            }
            return null;
        }
        RequestKey key = record.key();
        int index = sendsSoFar.merge(key, 1, Integer::sum) - 1;
        List<Result> got = answers.getOrDefault(key, List.of());
        if (got.size() <= index) {
            return "no result for send " + (index + 1) + " of " + key + ", expected " + expect;
        }
        if (expect.kind() == Expectation.Kind.FIRST_RESULT_AGAIN) {
            return index > 0 && ResultsCheck.sameAnswer(got.get(0), got.get(index)) ? null
                    : "expected the first result again (" + got.get(0).getStatus() + " " + got.get(0).getReason() + "), got "
                    + got.get(index).getStatus() + " " + got.get(index).getReason() + ": " + got.get(index).getMessage();
        }
        return expect.problemWith(got.get(index));
    }
}
