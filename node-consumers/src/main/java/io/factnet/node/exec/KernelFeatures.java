package io.factnet.node.exec;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the kernel can do, checked once at start so a missing feature is one clear error, not a failing apply. */
public interface KernelFeatures {
    /** 802.1Q VLAN links (module 8021q, built in or loaded). */
    boolean vlan();

    /** The in-kernel WireGuard device (else wireguard-go in user space). */
    boolean wireguard();

    /** This machine's kernel: a loaded module shows under /sys/module and, for 802.1Q, as /proc/net/vlan. */
    static KernelFeatures linux() {
        return new KernelFeatures() {
            @Override
            public boolean vlan() {
                return Files.exists(Path.of("/proc/net/vlan")) || Files.exists(Path.of("/sys/module/8021q"));
            }

            @Override
            public boolean wireguard() {
                return Files.exists(Path.of("/sys/module/wireguard"));
            }
        };
    }

    static KernelFeatures of(boolean vlan, boolean wireguard) {
        return new KernelFeatures() {
            @Override
            public boolean vlan() {
                return vlan;
            }

            @Override
            public boolean wireguard() {
                return wireguard;
            }
        };
    }
}
