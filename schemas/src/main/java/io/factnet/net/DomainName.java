package io.factnet.net;

/** A DNS domain (dnsmasq's --domain): dot-separated labels of a-z, 0-9 and inner '-', at most 253 characters. */
public record DomainName(String name) {

    public DomainName {
        if (name == null || name.isEmpty() || name.length() > 253) {
            throw new InvalidValueException("domain", name, "must have 1..253 characters");
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
                    || !label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new InvalidValueException("domain", name, "labels must be a-z, 0-9 and inner '-', 1..63 characters");
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
