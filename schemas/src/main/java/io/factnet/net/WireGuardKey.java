package io.factnet.net;

import java.util.Base64;

/** A WireGuard (Curve25519) key: 32 bytes, written as 44 characters of standard base64 (canonical, so equal keys have equal text). */
public record WireGuardKey(String base64) {

    public WireGuardKey {
        byte[] bytes;
        try {
            bytes = base64 == null || base64.length() != 44 ? null : Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            bytes = null;
        }
        if (bytes == null || bytes.length != 32 || !Base64.getEncoder().encodeToString(bytes).equals(base64)) {
            throw new InvalidValueException("WireGuard key", base64, "expected 32 bytes in base64 (44 characters)");
        }
    }

    public static WireGuardKey of(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("a WireGuard key has 32 bytes, not " + raw.length);
        }
        return new WireGuardKey(Base64.getEncoder().encodeToString(raw));
    }

    public byte[] bytes() {
        return Base64.getDecoder().decode(base64);
    }

    @Override
    public String toString() {
        return base64;
    }
}
