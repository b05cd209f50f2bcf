package io.factnet.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.topics.RequestRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.specific.SpecificRecord;

/**
 * A request sent through a gateway instead of Kafka ({@code factnet request ... --api URL}): the command's generic path
 * ({@link CommandPaths}), its fields as the JSON body ({@link Bodies#body}), the request id as the
 * {@code Idempotency-Key} (so a resend is the same request), the bearer token of the caller. The gateway writes who
 * asked into the envelope; the caller cannot.
 */
public final class ApiClient {
    /** What came of one call: the result (null when not waited for) or the link to poll. */
    public record Reply(Result result, String pollUrl) {
    }

    /** The gateway refused or failed the call itself (not a REJECTED result): its status and problem document's detail. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final String token;
    private final HttpClient http;

    /** {@code caCertificates}: PEM certificates to trust for an https gateway (null: the JDK's trust store). */
    public ApiClient(String url, String token, Path caCertificates) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the gateway needs a bearer token: set FACTNET_TOKEN (or --token-file) to one from your identity provider");
        }
        URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--api must be an http:// or https:// URL of a gateway: " + url);
        }
        this.base = uri;
        this.token = token.strip();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (caCertificates != null) {
            builder.sslContext(trusting(caCertificates));
        }
        this.http = builder.build();
    }

    /** An SSL context that trusts the certificates of a PEM file (a private CA or a self-signed gateway). */
    public static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalArgumentException("no certificate in " + pem);
            }
            TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            managers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, managers.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA certificates " + pem + ": " + e.getMessage(), e);
        }
    }

    /** One call as the gateway answered it: status, content type and the JSON body (null when it was not JSON). */
    public record Exchange(int status, String contentType, JsonNode json, java.net.http.HttpHeaders headers) {
    }

    /** Sends the request as {@link #send} does and hands back the gateway's answer as it is. */
    public Exchange exchange(Request request, boolean wait, Duration timeout) {
        String command = RequestRoutes.commandName(request);
        String path = CommandPaths.path(command, request.getProject());
        if (path == null) {
            throw new IllegalArgumentException(command + " is not served by the gateway (node agents write it)");
        }
        HttpRequest.Builder call = HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .timeout(timeout.plus(CONNECT_TIMEOUT))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .header("Idempotency-Key", request.getRequestId())
                .POST(HttpRequest.BodyPublishers.ofString(Bodies.body((SpecificRecord) request.getCommand()).toString()));
        if (!wait) {
            call.header("Prefer", "respond-async");
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(call.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("the gateway at " + base + " does not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        JsonNode json;
        try {
            json = Bodies.JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        return new Exchange(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json, response.headers());
    }

    /** Sends the request; {@code wait}: answer with its result (up to {@code timeout}), else once it is on Kafka. */
    public Reply send(Request request, boolean wait, Duration timeout) {
        Exchange exchange = exchange(request, wait, timeout);
        JsonNode json = exchange.json();
        int status = exchange.status();
        if (json == null) {
            throw new Refused(status, "the gateway answered " + status + " without JSON");
        }
        try {
            if (status == 200) {
                return new Reply(Bodies.resultOf(json), null);
            }
            if (status == 202) {
                return new Reply(null, base + json.path("href").asText(exchange.headers().firstValue("Location").orElse("")));
            }
            if (json.path("result").isObject()) {
                return new Reply(Bodies.resultOf(json.path("result")), null); // REJECTED: the problem carries the result
            }
        } catch (Bodies.BadBody e) {
            throw new Refused(status, "the gateway's answer is not a result: " + e.getMessage());
        }
        String detail = json.path("detail").asText(json.path("title").asText("no detail"));
        throw new Refused(status, "the gateway answered " + status + " " + json.path("reason").asText("") + ": " + detail);
    }
}
