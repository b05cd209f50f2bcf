package io.factnet.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens against a JWKS file and a JWKS URL: what passes, what is refused, rotation and the rate limit of refetches. */
class TokenVerifierTest {
    @TempDir
    Path dir;

    private static TokenVerifier verifier(String jwks, String projectClaim, String rolesClaim) {
        return new TokenVerifier(new TokenVerifier.Settings(jwks, Jwts.ISSUER, Jwts.AUDIENCE, projectClaim, rolesClaim,
                Duration.ofMinutes(5), Duration.ofSeconds(30)));
    }

    @Test
    void aGoodTokenNamesItsSubjectProjectAndRoles() throws Exception {
        try (Jwts idp = new Jwts()) {
            Path file = dir.resolve("jwks.json");
            Files.writeString(file, idp.jwks());
            Caller caller = verifier(file.toString(), "project", "roles").verify(idp.token("alice", "acme", "member", "reader"));
            assertThat(caller.subject()).isEqualTo("alice");
            assertThat(caller.project()).isEqualTo("acme");
            assertThat(caller.roles()).containsExactlyInAnyOrder("member", "reader");
            assertThat(caller.changes("acme")).isTrue();
            assertThat(caller.sees("globex")).isFalse();
        }
    }

    @Test
    void everyBadTokenIsRefused() throws Exception {
        try (Jwts idp = new Jwts()) {
            Path file = dir.resolve("jwks.json");
            Files.writeString(file, idp.jwks());
            TokenVerifier verifier = verifier(file.toString(), "project", "roles");
            Map<String, String> bad = Map.of(
                    "expired", idp.token("alice", "acme", c -> c.expirationTime(new Date(System.currentTimeMillis() - 600_000)), "member"),
                    "alg none", idp.unsigned("alice", "acme", "member"),
                    "wrong signature", idp.wronglySigned("alice", "acme", "member"),
                    "wrong audience", idp.token("alice", "acme", c -> c.audience("someone-else"), "member"),
                    "wrong issuer", idp.token("alice", "acme", c -> c.issuer("https://evil.test"), "member"),
                    "no subject", idp.token(null, "acme", "member"),
                    "not a JWT", "hello.world",
                    "HMAC with the public key as secret", hmacToken());
            bad.forEach((what, token) -> assertThatThrownBy(() -> verifier.verify(token)).as(what)
                    .isInstanceOf(TokenVerifier.Refused.class));
        }
    }

    private static String hmacToken() throws Exception {
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.HS256).keyID("rsa-1").build(),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("mallory").issuer(Jwts.ISSUER).audience(Jwts.AUDIENCE)
                        .expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(new byte[32]));
        return jwt.serialize();
    }

    @Test
    void nestedClaimsAndSpaceSeparatedRolesAreSettings() throws Exception {
        try (Jwts idp = new Jwts()) {
            Path file = dir.resolve("jwks.json");
            Files.writeString(file, idp.jwks());
            String token = Jwts.sign(idp.published.get(0), idp.claims("bob", null)
                    .claim("tenant", Map.of("name", "globex")).claim("realm_access", Map.of("roles", List.of("reader")))
                    .claim("scope", "admin member").build());
            Caller nested = verifier(file.toString(), "tenant.name", "realm_access.roles").verify(token);
            assertThat(nested.project()).isEqualTo("globex");
            assertThat(nested.roles()).containsExactly("reader");
            Caller scoped = verifier(file.toString(), "project", "scope").verify(token);
            assertThat(scoped.project()).isNull();
            assertThat(scoped.roles()).containsExactlyInAnyOrder("admin", "member");
        }
    }

    @Test
    void aRotatedKeyIsFetchedOnItsFirstTokenAndMadeUpKeyIdsDoNotHammerTheIssuer() throws Exception {
        try (Jwts idp = new Jwts()) {
            TokenVerifier verifier = verifier(idp.serve(), "project", "roles");
            assertThat(verifier.verify(idp.token("alice", "acme", "member")).subject()).isEqualTo("alice");
            assertThat(idp.fetches.get()).isEqualTo(1);

            ECKey rotated = Jwts.ec("ec-2");
            idp.published.add(0, rotated);
            assertThat(verifier.verify(idp.token("carol", "acme", "member")).subject()).as("the new kid is fetched").isEqualTo("carol");
            assertThat(idp.fetches.get()).isEqualTo(2);

            for (int i = 0; i < 20; i++) {
                String unknown = Jwts.sign(Jwts.rsa("made-up-" + i), idp.claims("mallory", "acme", "member").build());
                assertThatThrownBy(() -> verifier.verify(unknown)).isInstanceOf(TokenVerifier.Refused.class);
            }
            assertThat(idp.fetches.get()).as("at most two fetches per rate-limit interval").isEqualTo(2);
            assertThat(verifier.verify(idp.token("carol", "acme", "member")).subject()).as("known keys still work").isEqualTo("carol");
        }
    }

    @Test
    void aJwksFileIsReadAgainForAnUnknownKeyId() throws Exception {
        try (Jwts idp = new Jwts()) {
            Path file = dir.resolve("jwks.json");
            Files.writeString(file, idp.jwks());
            TokenVerifier verifier = verifier(file.toString(), "project", "roles");
            verifier.verify(idp.token("alice", "acme", "member"));
            idp.published.add(0, Jwts.ec("ec-2"));
            Files.writeString(file, idp.jwks());
            assertThat(verifier.verify(idp.token("dave", "acme", "member")).subject()).isEqualTo("dave");
        }
    }
}
