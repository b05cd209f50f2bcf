package io.factnet.cli.client;

import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

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

    /**
     * The {@code factnet request} line that sends this command (null fields and empty lists left out, lists
     * comma-separated, enums in lower case), e.g. for a node to print the registration an operator sends.
     * Values are the node's own validated settings, not client data.
     */
    public static String commandLine(SpecificRecord command) {
        StringBuilder line = new StringBuilder("factnet request ").append(kebab(command.getSchema().getName()));
        for (Schema.Field field : command.getSchema().getFields()) {
            Object value = command.get(field.pos());
            if (value == null || value instanceof Collection<?> list && list.isEmpty()) {
                continue;
            }
            String text = value instanceof Collection<?> list
                    ? list.stream().map(Names::text).collect(Collectors.joining(",")) : text(value);
            line.append(' ').append(option(field.name())).append(' ').append(text);
        }
        return line.toString();
    }

    private static String text(Object value) {
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }
}
