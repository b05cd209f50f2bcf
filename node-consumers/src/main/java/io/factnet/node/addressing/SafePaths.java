package io.factnet.node.addressing;

import java.nio.file.Path;

/** State folders appear in dnsmasq's arguments and inside the lease hook's quotes: plain characters only. */
final class SafePaths {
    private SafePaths() {
    }

    static Path check(Path folder) {
        String text = folder.toAbsolutePath().toString();
        if (!text.matches("[A-Za-z0-9/._-]+")) {
            throw new IllegalArgumentException("state folder " + text
                    + " may only have letters, digits and / . _ - (it goes into dnsmasq's arguments and its lease hook)");
        }
        return folder;
    }
}
