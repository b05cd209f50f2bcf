package io.factnet.cli.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** The gateway's TLS from a PEM certificate chain and a PEM PKCS#8 key (the JDK's parsers; no crypto of our own). */
final class Tls {
    private Tls() {
    }

    private static final Pattern KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    static SslContextFactory.Server contextFactory(GatewayConfig config) {
        try {
            Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(config.tlsCertificate()))).toArray(Certificate[]::new);
            if (chain.length == 0) {
                throw new IllegalArgumentException("no certificate in " + config.tlsCertificate());
            }
            Matcher pem = KEY.matcher(Files.readString(config.tlsKey()));
            if (!pem.find()) {
                throw new IllegalArgumentException(config.tlsKey() + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----; "
                        + "openssl pkcs8 -topk8 -nocrypt converts one)");
            }
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)));
            String algorithm = chain[0].getPublicKey().getAlgorithm();
            PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(spec);
            char[] password = UUID.randomUUID().toString().toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("gateway", key, password, chain);
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setKeyStore(store);
            factory.setKeyStorePassword(new String(password));
            factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the gateway's TLS certificate and key: " + e.getMessage(), e);
        }
    }
}
