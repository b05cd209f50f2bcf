package io.factnet.net;

/** Shows untrusted text in logs and messages: escaped, ASCII only, cut to a readable length. */
public final class Printable {
    private static final int MAX = 64;

    private Printable() {
    }

    public static String quote(String input) {
        if (input == null) {
            return "null";
        }
        return "\"" + escaped(input, MAX, true) + "\"";
    }

    /**
     * Text for a one-line message (an ack's error, a health reason) that may carry text from outside (a
     * registry's answer, a decoder's complaint about bytes): control and non-ASCII characters escaped, so it
     * stays one line and cannot drive a terminal, and cut after {@code max} characters.
     */
    public static String line(String input, int max) {
        return input == null ? "null" : escaped(input, max, false);
    }

    private static String escaped(String input, int max, boolean quotes) {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < input.length() && shown < max; i++, shown++) {
            char c = input.charAt(i);
            if (quotes && (c == '"' || c == '\\')) {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (input.length() > max) {
            out.append("...(").append(input.length()).append(" chars)");
        }
        return out.toString();
    }
}
