package io.factnet.cli.api;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks bearer JWTs with Nimbus JOSE+JWT (ADR 0029): a signature by a key of the JWKS (RSA or EC; {@code alg: none}
 * and HMAC are refused), {@code exp} in the future, the configured issuer and audience. The JWKS comes from a file or
 * a URL through Nimbus' JWK source chain: cached, refetched when a token names a key id it does not hold (a rotated
 * key), at most twice per rate-limit interval, so that tokens with made-up key ids cannot make it hammer the issuer.
 */
public final class TokenVerifier {
    /** Why a token was refused: one line for the 401's detail (never the token). */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * @param jwks        a file path or an http(s) URL of the JWKS
     * @param issuer      the required {@code iss}
     * @param audience    the required {@code aud} (one of the token's)
     * @param projectClaim the claim naming the project (a dotted path reaches into objects)
     * @param rolesClaim  the claim naming the roles: an array of strings or one space-separated string (dotted path too,
     *                    e.g. Keycloak's {@code realm_access.roles})
     * @param cacheTtl    how long a fetched JWKS is used before it is fetched again
     * @param rateLimit   at most two fetches per this interval (the cache's refresh and one unknown key id)
     */
    public record Settings(String jwks, String issuer, String audience, String projectClaim, String rolesClaim,
                    Duration cacheTtl, Duration rateLimit) {
        public Settings {
            if (jwks == null || jwks.isBlank() || issuer == null || issuer.isBlank() || audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("the gateway needs a JWKS (--jwks), an issuer (--issuer) and an audience (--audience)");
            }
        }
    }

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
            JWSAlgorithm.EdDSA);

    private final Settings settings;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    TokenVerifier(Settings settings) {
        this.settings = settings;
        JWKSourceBuilder<SecurityContext> builder = settings.jwks().startsWith("http://") || settings.jwks().startsWith("https://")
                ? JWKSourceBuilder.create(url(settings.jwks()))
                : JWKSourceBuilder.create(new FileSource(Path.of(settings.jwks())));
        JWKSource<SecurityContext> keys = builder
                .cache(settings.cacheTtl().toMillis(), JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                .rateLimited(settings.rateLimit().toMillis())
                .retrying(false)
                .build();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(Set.of(settings.audience()),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), Set.of("sub", "exp", "iss", "aud"), Set.of()));
    }

    private static java.net.URL url(String text) {
        try {
            return URI.create(text).toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWKS URL " + text + " is not a URL: " + e.getMessage());
        }
    }

    /** The caller of a bearer token, or why it is refused. */
    Caller verify(String token) throws Refused {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Refused("the bearer token is not a JWT");
        } catch (BadJOSEException e) {
            throw new Refused("the bearer token is not valid: " + e.getMessage());
        } catch (JOSEException e) {
            throw new Refused("the bearer token cannot be checked: " + e.getMessage());
        }
        Object project = claim(claims.getClaims(), settings.projectClaim());
        Set<String> roles = roles(claim(claims.getClaims(), settings.rolesClaim()));
        return new Caller(claims.getSubject(), project instanceof String name && !name.isBlank() ? name : null, roles);
    }

    /** A claim by a dotted path: {@code realm_access.roles} is the {@code roles} member of the {@code realm_access} object. */
    static Object claim(Map<String, Object> claims, String path) {
        Object at = claims;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(part);
        }
        return at;
    }

    private static Set<String> roles(Object value) {
        Set<String> roles = new HashSet<>();
        if (value instanceof String text) {
            roles.addAll(List.of(text.trim().split("\\s+")));
        } else if (value instanceof Collection<?> list) {
            list.stream().filter(String.class::isInstance).map(String.class::cast).forEach(roles::add);
        }
        roles.remove("");
        return roles;
    }

    /** A JWKS file, read again whenever the chain asks (the cache in front of it decides when). */
    private static final class FileSource implements JWKSetSource<SecurityContext> {
        private final Path file;

        FileSource(Path file) {
            this.file = file;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            try {
                return JWKSet.parse(Files.readString(file));
            } catch (IOException | ParseException e) {
                throw new KeySourceException("cannot read the JWKS file " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
        }
    }
}
