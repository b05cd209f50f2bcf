package io.factnet.cli.api;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An identity provider for tests: RSA and EC keys made here, tokens signed with Nimbus, and the public JWKS served
 * over HTTP (counting fetches) or written to a file.
 */
final class Jwts implements AutoCloseable {
    static final String ISSUER = "https://idp.test/realms/factnet";
    static final String AUDIENCE = "factnet-api";

    final List<JWK> published = new CopyOnWriteArrayList<>();
    final AtomicInteger fetches = new AtomicInteger();
    private HttpServer server;

    Jwts() {
        published.add(rsa("rsa-1"));
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWKS of the published keys. */
    String jwks() {
        return new JWKSet(new ArrayList<>(published)).toString(true);
    }

    /** Serves the JWKS at {@code /jwks}; returns its URL. */
    String serve() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = jwks().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    JWTClaimsSet.Builder claims(String subject, String project, String... roles) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))
                .claim("roles", List.of(roles));
        if (project != null) {
            claims.claim("project", project);
        }
        return claims;
    }

    /** A token of the first published key. */
    String token(String subject, String project, String... roles) {
        return sign(published.get(0), claims(subject, project, roles).build());
    }

    String token(String subject, String project, Consumer<JWTClaimsSet.Builder> change, String... roles) {
        JWTClaimsSet.Builder claims = claims(subject, project, roles);
        change.accept(claims);
        return sign(published.get(0), claims.build());
    }

    static String sign(JWK key, JWTClaimsSet claims) {
        try {
            if (key instanceof RSAKey rsa) {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
                jwt.sign(new RSASSASigner(rsa));
                return jwt.serialize();
            }
            ECKey ec = (ECKey) key;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
            jwt.sign(new ECDSASigner(ec));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg: none}: the claims of a valid token, unsigned. */
    String unsigned(String subject, String project, String... roles) {
        return new PlainJWT(claims(subject, project, roles).build()).serialize();
    }

    /** Signed by a key the JWKS does not hold, under the key id of one it does. */
    String wronglySigned(String subject, String project, String... roles) {
        return sign(rsa(published.get(0).getKeyID()), claims(subject, project, roles).build());
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
