package io.factnet.node.tunneling;

import io.factnet.net.WireGuardKey;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * WireGuard keys with the JDK's X25519 (no tool needed, so the render driver makes real keys too):
 * a private key is 32 random bytes clamped as {@code wg genkey} does; the public key is X25519 of
 * the private key and the base point 9, as {@code wg pubkey} computes it.
 */
public final class WireGuardKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private WireGuardKeys() {
    }

    public static WireGuardKey generatePrivate() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        key[0] &= (byte) 248;
        key[31] &= 127;
        key[31] |= 64;
        return WireGuardKey.of(key);
    }

    public static WireGuardKey publicOf(WireGuardKey privateKey) {
        try {
            KeyFactory factory = KeyFactory.getInstance("XDH");
            PrivateKey scalar = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.bytes()));
            PublicKey basePoint = factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9)));
            KeyAgreement agreement = KeyAgreement.getInstance("XDH");
            agreement.init(scalar);
            agreement.doPhase(basePoint, true);
            return WireGuardKey.of(agreement.generateSecret());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available in this JDK: " + e.getMessage(), e);
        }
    }
}
