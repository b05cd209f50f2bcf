package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Checks that printed text is safe on a terminal: the CLI's own line ends are its only control characters. */
public final class TerminalSafe {
    private TerminalSafe() {
    }

    /** No raw control (C0, C1, DEL), line separator or format (bidi) character but the lines' own newlines. */
    public static void assertInert(String printed) {
        List<String> raw = printed.replace("\n", "").codePoints()
                .filter(c -> switch (Character.getType(c)) {
                    case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
                    default -> false;
                })
                .mapToObj(c -> String.format("U+%04X", c)).distinct().toList();
        assertThat(raw).as("raw control or format characters in what was printed").isEmpty();
    }
}
