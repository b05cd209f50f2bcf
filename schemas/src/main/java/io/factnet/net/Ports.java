package io.factnet.net;

/** Port and ICMP numbers from requests, checked against their ranges. */
public final class Ports {
    private Ports() {
    }

    public static int port(Integer value, String what) {
        if (value == null || value < 1 || value > 65535) {
            throw new InvalidValueException(what, String.valueOf(value), "is not a port 1..65535");
        }
        return value;
    }

    public static int icmp(Integer value, String what) {
        if (value == null || value < 0 || value > 255) {
            throw new InvalidValueException(what, String.valueOf(value), "is not 0..255");
        }
        return value;
    }
}
