package io.factnet.topics;

import java.util.Locale;

/**
 * The interface name of an instance's port on its host (ADR 0035): {@code tap} and the last four octets of its MAC,
 * as a compute driver names the tap it creates for the VM. The controller puts it in the InstancePort entry; the
 * host's bridging agent guards the interface of that name. Eleven characters: within Linux's fifteen.
 */
public final class PortNames {
    private PortNames() {
    }

    /** @param mac a MAC as the controller gives it, {@code aa:bb:cc:dd:ee:ff} */
    public static String of(String mac) {
        String hex = mac.replace(":", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 12 || !hex.matches("[0-9a-f]{12}")) {
            throw new IllegalArgumentException("not a MAC: " + mac);
        }
        return "tap" + hex.substring(4);
    }
}
