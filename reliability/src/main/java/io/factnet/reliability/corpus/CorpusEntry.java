package io.factnet.reliability.corpus;

/**
 * One record of the corpus: its name (unique, it becomes the request id), the family it belongs to,
 * what to send (the request; for a raw entry, the request its bad bytes are made from), and what must
 * come of it. {@code requestId} is null unless the id itself is the bad input; {@code reuseIdOf} names a
 * setup step whose request id it sends again.
 */
public record CorpusEntry(String name, String family, CommandTemplate request, RawKind raw, String requestId,
                          String reuseIdOf, Expectation expect) {

    public static CorpusEntry of(String name, String family, CommandTemplate request, Expectation expect) {
        return new CorpusEntry(name, family, request, null, null, null, expect);
    }

    public boolean isRaw() {
        return raw != null;
    }
}
