package io.factnet.net;

import java.text.Normalizer;
import java.util.Locale;

/**
 * A host name label for a DHCP hosts file, made from whatever a request said (nova's
 * sanitize_hostname, stricter): accents folded to ASCII, lower case, every other character a '-',
 * at most 63 characters, never empty.
 */
public record Hostname(String label) {
    public static final int MAX_LENGTH = 63;

    public Hostname {
        if (label == null || label.isEmpty() || label.length() > MAX_LENGTH
                || !label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
                || label.startsWith("-") || label.endsWith("-")) {
            throw new InvalidValueException("host name", label, "is not a sanitized label");
        }
    }

    /** The sanitized label of {@code raw}, or {@code fallback} when nothing usable is left. */
    public static Hostname sanitize(String raw, String fallback) {
        String folded = raw == null ? "" : Normalizer.normalize(raw, Normalizer.Form.NFKD);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < folded.length() && out.length() < MAX_LENGTH; i++) {
            char c = Character.toLowerCase(folded.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                out.append(c);
            } else if (c < 0x80 || Character.isLetterOrDigit(c) || Character.isWhitespace(c)) {
                // Combining marks left by NFKD (the accent of "é") vanish; anything else separates.
                if (out.length() > 0 && out.charAt(out.length() - 1) != '-') {
                    out.append('-');
                }
            }
        }
        String label = out.toString().replaceAll("-+$", "");
        if (label.isEmpty()) {
            return sanitize(fallback, "host");
        }
        return new Hostname(label.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return label;
    }
}
