package io.factnet.node.net;

/** Shows untrusted text in logs and messages: escaped, ASCII only, cut to a readable length. */
public final class Printable {
    private static final int MAX = 64;

    private Printable() {
    }

    public static String quote(String input) {
        if (input == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        int shown = 0;
        for (int i = 0; i < input.length() && shown < MAX; i++, shown++) {
            char c = input.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (input.length() > MAX) {
            out.append("...(").append(input.length()).append(" chars)");
        }
        return out.append('"').toString();
    }
}
