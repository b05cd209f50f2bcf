package io.factnet.topics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The interface name of an instance's port on its host (ADR 0035): {@code tap} and 40 bits of a hash of the project
 * and instance, as a compute driver names the tap it creates for the VM after its port's id (nova: tap + the port
 * UUID's first 11 characters). The controller puts it in the InstancePort entry; the host's bridging agent guards the
 * interface of that name. Not the MAC: MACs are unique per project VLAN only (two projects' first instances share
 * one), and one host carries many projects. It stays the same when the instance moves. Thirteen characters: within
 * Linux's fifteen. A collision of two instances on one host is refused by the agent, by name.
 */
public final class PortNames {
    private PortNames() {
    }

    public static String of(String project, String instance) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((project + "/" + instance).getBytes(StandardCharsets.UTF_8));
            return "tap" + HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
