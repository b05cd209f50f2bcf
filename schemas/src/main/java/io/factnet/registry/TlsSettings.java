package io.factnet.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The {@code schema.registry.ssl.*} settings: a trust store for the registry's certificate, a key store for client auth. */
public record TlsSettings(Optional<Store> trustStore, Optional<Store> keyStore) {

    public static final String PREFIX = "schema.registry.ssl.";

    public record Store(Path location, char[] password, String type) {
        KeyStore load() throws IOException, GeneralSecurityException {
            KeyStore store = KeyStore.getInstance(type);
            try (InputStream in = Files.newInputStream(location)) {
                store.load(in, password);
            }
            return store;
        }
    }

    static TlsSettings from(Map<String, ?> props) {
        return new TlsSettings(store(props, "truststore"), store(props, "keystore"));
    }

    private static Optional<Store> store(Map<String, ?> props, String kind) {
        Object location = props.get(PREFIX + kind + ".location");
        if (location == null || location.toString().isBlank()) {
            return Optional.empty();
        }
        String password = SchemaRegistryConfig.string(props, PREFIX + kind + ".password", "");
        String type = SchemaRegistryConfig.string(props, PREFIX + kind + ".type", "PKCS12");
        return Optional.of(new Store(Path.of(location.toString()), password.toCharArray(), type));
    }

    /** An SSL context from these stores, or empty to use the JVM's defaults. */
    public Optional<SSLContext> sslContext() {
        if (trustStore.isEmpty() && keyStore.isEmpty()) {
            return Optional.empty();
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustStore.isPresent()) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore.get().load());
            }
            KeyManagerFactory kmf = null;
            if (keyStore.isPresent()) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore.get().load(), keyStore.get().password());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return Optional.of(context);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the schema registry's TLS stores: " + e.getMessage(), e);
        }
    }
}
