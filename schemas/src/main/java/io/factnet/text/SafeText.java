package io.factnet.text;

/**
 * Shows untrusted text (a client's value, a result's message, an exception's text that echoes either)
 * in a message, a log line or a terminal. Characters that would break the line, start a terminal escape
 * sequence or reorder the text (C0 and C1 controls, DEL, line and paragraph separators, bidi and other
 * format characters, lone surrogates) are written as {@code \}{@code uXXXX}; other Unicode is kept, so
 * names stay readable; a long value is cut, saying how long it was. The controller's messages and the
 * CLI's output both go through here, so a value looks the same wherever it is shown.
 */
public final class SafeText {
    /** A quoted value inside a sentence: long enough for any name or address factnet accepts. */
    public static final int VALUE_MAX = 80;
    /** One field of a printed result or table cell: a 128-character request id is shown whole. */
    public static final int FIELD_MAX = 160;
    /** A whole one-line message: its start and its end are kept, the middle of a huge value is cut. */
    public static final int LINE_MAX = 500;
    private static final int LINE_TAIL = 120;

    private SafeText() {
    }

    /**
     * A value for a message: in double quotes, quote and backslash escaped too (so the end of the value
     * is unambiguous), cut after {@link #VALUE_MAX} characters with {@code ..."}.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        int end = escape(value, 0, VALUE_MAX, true, out);
        return out.append(end < value.length() ? "...\"" : "\"").toString();
    }

    /** The text with unsafe characters escaped, cut after {@code max} characters with {@code ...(N chars)}. */
    public static String text(String value, int max) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int end = escape(value, 0, max, false, out);
        if (end < value.length()) {
            out.append("...(").append(value.length()).append(" chars)");
        }
        return out.toString();
    }

    /** {@link #text} with {@link #FIELD_MAX}: a field of a result or a cell of a table. */
    public static String field(Object value) {
        return value == null ? "" : text(value.toString(), FIELD_MAX);
    }

    /**
     * A whole message as one line: escaped, and when longer than {@link #LINE_MAX} its start and its end
     * kept (the reason usually follows the value: "'...' is not an int"), the middle cut.
     */
    public static String line(String message) {
        if (message == null) {
            return "null";
        }
        if (message.length() <= LINE_MAX) {
            return text(message, LINE_MAX);
        }
        int tailStart = message.length() - LINE_TAIL;
        if (Character.isLowSurrogate(message.charAt(tailStart))) {
            tailStart++;
        }
        StringBuilder out = new StringBuilder();
        int end = escape(message, 0, LINE_MAX - LINE_TAIL, false, out);
        out.append("...(").append(tailStart - end).append(" chars cut)...");
        escape(message, tailStart, LINE_TAIL, false, out);
        return out.toString();
    }

    /** Appends up to {@code max} characters of {@code value} from {@code from}, escaped; returns where it stopped. */
    private static int escape(String value, int from, int max, boolean quoted, StringBuilder out) {
        int i = from;
        int shown = 0;
        while (i < value.length() && shown < max) {
            int codePoint = value.codePointAt(i);
            if (unsafe(codePoint) || quoted && (codePoint == '"' || codePoint == '\\')) {
                out.append(String.format("\\u%04x", codePoint));
            } else {
                out.appendCodePoint(codePoint);
            }
            i += Character.charCount(codePoint);
            shown++;
        }
        return i;
    }

    private static boolean unsafe(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> true;
            default -> false;
        };
    }
}
