package io.factnet.cli.request;

import java.util.Locale;

/** The one naming rule between the schemas and the command line: camelCase and PascalCase to kebab-case. */
public final class Names {
    private Names() {
    }

    /** {@code AllocateFloatingIp} to {@code allocate-floating-ip}, {@code vpnPortFirst} to {@code vpn-port-first}. */
    public static String kebab(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                char before = name.charAt(i - 1);
                boolean nextIsLower = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
                // a new word: after a lower-case letter or digit, or the last capital of an acronym ("DNSName")
                if (Character.isLowerCase(before) || Character.isDigit(before) || (Character.isUpperCase(before) && nextIsLower)) {
                    out.append('-');
                }
            }
            out.append(Character.toLowerCase(c));
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** The option of a field: {@code --} and its kebab-case name. */
    public static String option(String fieldName) {
        return "--" + kebab(fieldName);
    }
}
