package io.factnet.reliability.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.factnet.cli.client.ApiClient;
import io.factnet.cli.api.Gateway;
import io.factnet.cli.api.GatewayConfig;
import io.factnet.cli.api.TokenVerifier;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.reliability.corpus.Corpus;
import io.factnet.reliability.corpus.CorpusEntry;
import io.factnet.reliability.corpus.Expectation;
import io.factnet.reliability.corpus.HostileHttp;
import io.factnet.reliability.corpus.SetupStep;
import io.factnet.reliability.corpus.Values;
import io.factnet.topics.RequestRoutes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bad-input corpus through the API gateway, and its HTTP family ({@link HostileHttp}): a real controller on the
 * embedded broker, a gateway with a JWKS this test makes, a token per project. What the controller refuses on Kafka
 * the gateway refuses too (a 4xx problem document: the controller's reason, or the gateway's own earlier refusal);
 * what it accepts is 200; no call is a 5xx; hostile HTTP gets exactly its status; and the gateway serves after all.
 */
class GatewayCorpusTest {
    private static final Logger log = LoggerFactory.getLogger(GatewayCorpusTest.class);
    private static final String SCOPE = "gateway-corpus-test";
    private static final String ISSUER = "https://idp.test/realms/factnet";
    private static final String AUDIENCE = "factnet-api";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static Controller controller;
    static Gateway gateway;
    static RSAKey key;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void cloud() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("schema.registry.url", "mock://" + SCOPE);
        props.setProperty("application.id", "gateway-corpus-test");
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, "2");
        controller = Controller.start(props);
        assertThat(controller.awaitRunning(Duration.ofSeconds(60))).isTrue();
        key = new RSAKeyGenerator(2048).keyID("corpus").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        gateway = Gateway.start(new GatewayConfig("127.0.0.1", 0, "gw-corpus", "http://127.0.0.1:1",
                        new TokenVerifier.Settings(jwks.toString(), ISSUER, AUDIENCE, "project", "roles", Duration.ofMinutes(5), Duration.ofSeconds(1)),
                        WAIT, 8, GatewayConfig.DEFAULT_MAX_BODY, 16, GatewayConfig.DEFAULT_KEEP_RESULTS, null, null),
                Map.of("bootstrap.servers", kafka.bootstrapServers()), InMemorySchemaRegistryClient.scope(SCOPE), true);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    static String token(String project, String role) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject("corpus").issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10)))).claim("roles", List.of(role));
        if (project != null) {
            claims.claim("project", project);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** The caller a request needs: the admin for admin commands, else a member of its project. */
    static ApiClient callerFor(Request request) throws Exception {
        RequestRoutes.Scope scope = RequestRoutes.scopeOf(request);
        boolean admin = scope == RequestRoutes.Scope.POOL_ADMIN || scope == RequestRoutes.Scope.PROJECT_ADMIN;
        return new ApiClient(gateway.url(), admin ? token(null, "admin") : token(request.getProject(), "member"), null);
    }

    record Verdict(String name, String family, String expected, String got, String wrong) {
    }

    @Test
    void theCorpusThroughTheGatewayAndItsHostileHttpGetTheirVerdictsAndTheGatewayServesOn() throws Exception {
        Corpus corpus = Corpus.fromResource();
        Map<String, String> refs = new TreeMap<>(corpus.constants());
        Clock clock = Clock.systemUTC();
        long seed = 20261205L;
        String prefix = "g" + Long.toHexString(System.nanoTime());
        // the world the corpus assumes (the chaos fleet makes it): VLANs, a supernet, a node with every role
        ApiClient admin = new ApiClient(gateway.url(), token(null, "admin"), null);
        for (Object command : List.of(io.factnet.model.DefineVlanRange.newBuilder().setFirst(100).setLast(3999).build(),
                io.factnet.model.DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build(),
                io.factnet.model.RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(io.factnet.model.NodeRole.values()))
                        .setPublicAddress("192.0.2.1").build())) {
            Request request = Request.newBuilder().setRequestId(prefix + "-" + command.getClass().getSimpleName())
                    .setProject(RequestRoutes.ADMIN_PROJECT).setSubmittedAt(Instant.now()).setCommand(command).build();
            assertThat(admin.send(request, true, WAIT).result().getStatus()).as("%s", command).isEqualTo(io.factnet.model.Status.ACCEPTED);
        }
        for (SetupStep step : corpus.setup()) {
            Request request = step.request().build(prefix + "-" + step.name(), new Values(refs, seed), clock);
            ApiClient.Reply outcome = callerFor(request).send(request, true, WAIT);
            assertThat(step.expect().problemWith(outcome.result())).as(step.name()).isNull();
            step.learn().forEach((name, field) -> refs.put(name, io.factnet.reliability.corpus.CorpusPlayer.allocated(outcome.result(), field,
                    step.name())));
        }

        List<Verdict> verdicts = new ArrayList<>();
        for (CorpusEntry entry : corpus.entries()) {
            if (entry.isRaw() || entry.request().route() != null || entry.reuseIdOf() != null
                    || entry.expect().kind() == Expectation.Kind.DEAD_LETTER || entry.expect().kind() == Expectation.Kind.FIRST_RESULT_AGAIN) {
                continue; // bytes and topics are Kafka's matters: the gateway writes well-formed records to the right topic
            }
            String id = entry.requestId() != null ? entry.requestId() : prefix + "-" + entry.name();
            Request request = entry.request().build(id, new Values(refs, seed), clock);
            RequestRoutes.Scope scope = RequestRoutes.scopeOf(request);
            if (scope == RequestRoutes.Scope.NODE_EVENT || scope == RequestRoutes.Scope.NODE_ACK) {
                continue; // node events: the gateway does not serve them
            }
            try {
                verdicts.add(judge(entry, callerFor(request).exchange(request, true, WAIT)));
            } catch (IllegalArgumentException e) {
                // a request id with a line break cannot be an Idempotency-Key header: no HTTP client sends it
                boolean unsendable = e.getMessage() != null && e.getMessage().startsWith("invalid header value")
                        && entry.expect().kind() == Expectation.Kind.REJECTED;
                verdicts.add(new Verdict(entry.name(), entry.family(), entry.expect().toString(), "not sendable as HTTP",
                        unsendable ? null : e.getMessage()));
            } catch (RuntimeException e) {
                verdicts.add(new Verdict(entry.name(), entry.family(), entry.expect().toString(), "no answer", e.getMessage()));
            }
        }

        String project = "corpus-a"; // the corpus's project with a network and a group "web"
        String member = token(project, "member");
        for (HostileHttp.Call call : HostileHttp.calls(project, GatewayConfig.DEFAULT_MAX_BODY)) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url() + call.path())).timeout(WAIT)
                    .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(call.body()))
                    .header("Authorization", "Bearer " + member);
            call.headers().forEach(request::header);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String wrong = null;
            if (response.statusCode() != call.status()) {
                wrong = "status " + response.statusCode() + ": " + response.body();
            } else if (!response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
                wrong = "not a problem document: " + response.headers().firstValue("Content-Type").orElse("none");
            } else if (JSON.readTree(response.body()).path("detail").asText().isEmpty()) {
                wrong = "no detail";
            }
            verdicts.add(new Verdict(call.name(), HostileHttp.FAMILY, String.valueOf(call.status()), String.valueOf(response.statusCode()), wrong));
        }

        Map<String, Integer> perFamily = new TreeMap<>();
        verdicts.forEach(v -> perFamily.merge(v.family(), 1, Integer::sum));
        List<Verdict> wrong = verdicts.stream().filter(v -> v.wrong() != null).toList();
        log.info("gateway corpus: {} calls, per family {}, wrong verdicts {}", verdicts.size(), perFamily, wrong.size());
        assertThat(wrong).as("wrong verdicts").isEmpty();
        assertThat(perFamily).containsKey(HostileHttp.FAMILY).hasSizeGreaterThan(5);

        // still serving: a valid change and the health check
        Request valid = corpus.setup().get(0).request().build(prefix + "-after", new Values(refs, seed), clock);
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(callerFor(valid).exchange(valid, true, WAIT).status()).isLessThan(500);
    }

    /** An ACCEPTED entry must be 200; a REJECTED one a 4xx problem document (the same reason when the controller decided). */
    static Verdict judge(CorpusEntry entry, ApiClient.Exchange answer) {
        String expected = entry.expect().toString();
        String got = answer.status() + (answer.json() == null ? "" : " " + answer.json().path("reason").asText(answer.json().path("status").asText()));
        String wrong = null;
        if (entry.expect().kind() == Expectation.Kind.ACCEPTED) {
            if (answer.status() != 200) {
                wrong = "not accepted: " + answer.json();
            }
        } else if (answer.status() < 400 || answer.status() >= 500) {
            wrong = "a refusal must be a 4xx: " + answer.status() + " " + answer.json();
        } else if (!answer.contentType().startsWith("application/problem+json") || answer.json() == null) {
            wrong = "not a problem document";
        } else {
            JsonNode result = answer.json().path("result");
            if (result.isObject() && !result.path("reason").asText().equals(entry.expect().reason().name())) {
                wrong = "the controller's reason " + result.path("reason").asText() + ", expected " + entry.expect().reason();
            }
        }
        return new Verdict(entry.name(), entry.family(), expected, got, wrong);
    }
}
