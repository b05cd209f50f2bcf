package io.factnet.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeTextTest {
    private static final String ESC = "\u001b";
    private static final String CSI_8BIT = "\u009b";
    private static final String RIGHT_TO_LEFT_OVERRIDE = "\u202e";

    /** Nothing a terminal or a line-based reader acts on: no control, separator or format character. */
    private static void assertInert(String shown) {
        assertThat(shown.codePoints()).noneMatch(c -> Character.getType(c) == Character.CONTROL
                || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR || Character.getType(c) == Character.SURROGATE);
    }

    @Test
    void quoteEscapesWhatATerminalOrALineReaderWouldActOnAndKeepsReadableUnicode() {
        String hostile = "a\nb" + ESC + "[31m" + CSI_8BIT + "2J" + RIGHT_TO_LEFT_OVERRIDE + "\u2028\"\\ caf\u00e9 \ud83d\ude00 \ud800";
        String shown = SafeText.quote(hostile);
        assertInert(shown);
        assertThat(shown).isEqualTo("\"a\\u000ab\\u001b[31m\\u009b2J\\u202e\\u2028\\u0022\\u005c caf\u00e9 \ud83d\ude00 \\ud800\"");
    }

    @Test
    void quoteCutsALongValueAsTheControllerAlwaysHas() {
        assertThat(SafeText.quote("x".repeat(81))).isEqualTo("\"" + "x".repeat(80) + "...\"");
        assertThat(SafeText.quote("x".repeat(80))).isEqualTo("\"" + "x".repeat(80) + "\"");
        assertThat(SafeText.quote(null)).isEqualTo("null");
    }

    @Test
    void textSaysHowLongACutValueWas() {
        assertThat(SafeText.text("y".repeat(1000), 10)).isEqualTo("yyyyyyyyyy...(1000 chars)");
        assertThat(SafeText.field("id-1\r")).isEqualTo("id-1\\u000d");
        assertThat(SafeText.field(null)).isEmpty();
    }

    @Test
    void aLineKeepsItsStartAndItsEndAndCutsTheMiddleOfAHugeValue() {
        String message = "Invalid value for option '--first': '" + "9\n".repeat(500_000) + "' is not an int";
        String shown = SafeText.line(message);
        assertInert(shown);
        assertThat(shown).startsWith("Invalid value for option '--first': '9\\u000a9").endsWith("' is not an int")
                .contains(" chars cut)...");
        assertThat(shown.length()).isLessThan(SafeText.LINE_MAX * 6 + 40);
        assertThat(SafeText.line("short\tone")).isEqualTo("short\\u0009one");
    }
}
