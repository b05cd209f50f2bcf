package io.factnet.net;

/**
 * A network interface name, as the kernel accepts it (dev_valid_name: under 16 bytes, not "." or
 * "..", no '/', ':' or white space) and narrowed further so it is safe as a command argument and
 * inside a rule: letters, digits, '_', '.', '-', not starting with '-'.
 */
public record InterfaceName(String name) implements Comparable<InterfaceName> {
    public static final int MAX_LENGTH = 15;

    public InterfaceName {
        if (name == null || name.isEmpty()) {
            throw new InvalidValueException("interface name", name, "is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidValueException("interface name", name, "is longer than " + MAX_LENGTH + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidValueException("interface name", name, "is not a valid name");
        }
        if (name.charAt(0) == '-') {
            throw new InvalidValueException("interface name", name, "starts with '-'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                throw new InvalidValueException("interface name", name, "has a character other than letters, digits, '_', '.', '-'");
            }
        }
    }

    public static InterfaceName of(String name) {
        return new InterfaceName(name);
    }

    @Override
    public int compareTo(InterfaceName other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
