package io.factnet.reliability.corpus;

import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;

/**
 * What a record of the corpus must lead to: an ACCEPTED result, a REJECTED result with this reason, a
 * dead letter whose error contains this text (empty: any error), or (a request id sent again with other
 * content) the id's first result once more, with nothing changed.
 */
public record Expectation(Kind kind, Reason reason, String errorText) {

    public enum Kind { ACCEPTED, REJECTED, DEAD_LETTER, FIRST_RESULT_AGAIN }

    public static final Expectation ACCEPTED = new Expectation(Kind.ACCEPTED, Reason.OK, null);
    public static final Expectation FIRST_RESULT_AGAIN = new Expectation(Kind.FIRST_RESULT_AGAIN, null, null);

    public static Expectation rejected(Reason reason) {
        return new Expectation(Kind.REJECTED, reason, null);
    }

    public static Expectation deadLetter(String errorText) {
        return new Expectation(Kind.DEAD_LETTER, null, errorText);
    }

    /**
     * What is wrong with this answer for an ACCEPTED or REJECTED expectation, or null when it is right.
     * (Dead letters and repeated ids are judged against more than one answer, by VerdictCheck.)
     */
    public String problemWith(Result result) {
        if (result == null) {
            return "no result, expected " + this;
        }
        Reason expectedReason = kind == Kind.ACCEPTED ? Reason.OK : reason;
        Status expectedStatus = kind == Kind.ACCEPTED ? Status.ACCEPTED : Status.REJECTED;
        if ((kind != Kind.ACCEPTED && kind != Kind.REJECTED)
                || result.getStatus() != expectedStatus || (kind == Kind.REJECTED && result.getReason() != expectedReason)) {
            return "expected " + this + ", got " + result.getStatus() + " " + result.getReason() + ": " + abbreviated(result.getMessage());
        }
        return null;
    }

    static String abbreviated(String text) {
        return text == null || text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ACCEPTED -> "ACCEPTED";
            case REJECTED -> "REJECTED " + reason;
            case DEAD_LETTER -> "dead letter" + (errorText.isEmpty() ? "" : " (\"" + errorText + "\")");
            case FIRST_RESULT_AGAIN -> "the first result again";
        };
    }
}
