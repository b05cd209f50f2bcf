package io.factnet.reliability.corpus;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * Placeholders in corpus values: {@code ${ref:NAME}} is a value learned in the setup (or a constant),
 * {@code ${big:N}} a string of N letters and digits made from the seed, so that 1 MB strings are
 * generated rather than checked in.
 */
public final class Values {
    private static final String REF = "${ref:";
    private static final String BIG = "${big:";
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final Map<String, String> refs;
    private final long seed;

    public Values(Map<String, String> refs, long seed) {
        this.refs = Map.copyOf(refs);
        this.seed = seed;
    }

    public String resolve(String value) {
        if (value.startsWith(REF) && value.endsWith("}")) {
            String name = value.substring(REF.length(), value.length() - 1);
            String resolved = refs.get(name);
            if (resolved == null) {
                throw new IllegalArgumentException("no value for ${ref:" + name + "} (learned in the setup, or a constant)");
            }
            return resolved;
        }
        if (value.startsWith(BIG) && value.endsWith("}")) {
            return big(Integer.parseInt(value.substring(BIG.length(), value.length() - 1)));
        }
        return value;
    }

    /** The names a value refers to with ${ref:...}, for checking a corpus before it is played. */
    static String refName(String value) {
        return value.startsWith(REF) && value.endsWith("}") ? value.substring(REF.length(), value.length() - 1) : null;
    }

    private String big(int length) {
        SplittableRandom random = new SplittableRandom(seed ^ length);
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(text);
    }
}
