package io.factnet.cli.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.controller.ControllerConfig;
import io.factnet.controller.http.ControllerServer;
import io.factnet.embedded.EmbeddedKafka;
import io.factnet.registry.InMemorySchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet api} against a real controller on the embedded broker, with tokens signed by keys this test makes and
 * a JWKS it serves (ADR 0029): the admin's pools, a member's whole flow, a reader, another project, every refused
 * token, hostile bodies, and one project's flood against another's request.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayTest {
    private static final String SCOPE = "gateway-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IN_FLIGHT = 2;

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static ControllerServer controller;
    static Jwts idp;
    static Gateway gateway;
    static String jwks;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void cloud() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        controller = startController();
        idp = new Jwts();
        jwks = idp.serve();
        gateway = Gateway.start(new GatewayConfig("127.0.0.1", 0, "gw-test", "http://" + controller.advertised(),
                        new TokenVerifier.Settings(jwks, Jwts.ISSUER, Jwts.AUDIENCE, "project", "roles", Duration.ofMinutes(5), Duration.ofSeconds(1)),
                        Duration.ofSeconds(30), IN_FLIGHT, GatewayConfig.DEFAULT_MAX_BODY, 16, GatewayConfig.DEFAULT_KEEP_RESULTS, null, null),
                Map.of("bootstrap.servers", kafka.bootstrapServers()), InMemorySchemaRegistryClient.scope(SCOPE), true);
    }

    static ControllerServer startController() throws Exception {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", kafka.bootstrapServers());
        props.setProperty("schema.registry.url", "mock://" + SCOPE);
        props.setProperty("application.id", "gateway-test");
        props.setProperty("state.dir", dir.resolve("streams").toString());
        props.setProperty(ControllerConfig.IN_MEMORY_STORES, "true");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, "2");
        props.setProperty(ControllerConfig.HTTP_HOST, "127.0.0.1");
        props.setProperty(ControllerConfig.HTTP_PORT, "0");
        ControllerServer server = ControllerServer.start(ControllerConfig.from(props));
        assertThat(server.controller().awaitRunning(Duration.ofSeconds(60))).isTrue();
        return server;
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (idp != null) {
            idp.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String reason() {
            return body.path("reason").asText();
        }
    }

    static Reply call(String method, String path, String token, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(Duration.ofSeconds(40))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Reply(response.statusCode(), json, response);
    }

    static String admin() {
        return idp.token("operator", null, "admin");
    }

    static String member(String project) {
        return idp.token("alice@" + project, project, "member");
    }

    static JsonNode accepted(Reply reply) {
        assertThat(reply.status()).as("%s", reply.body()).isEqualTo(200);
        assertThat(reply.body().path("status").asText()).isEqualTo("ACCEPTED");
        return reply.body();
    }

    @Test
    @Order(1)
    void anAdminDefinesThePoolsAndRegistersTheNode() throws Exception {
        accepted(call("PUT", "/v1/admin/vlan-ranges/physnet1", admin(), "{\"first\": 100, \"last\": 199}"));
        accepted(call("PUT", "/v1/admin/supernet", admin(), "{\"cidr\": \"10.0.0.0/8\"}"));
        accepted(call("PUT", "/v1/admin/floating-pools/public", admin(), "{\"cidrs\": [\"198.51.100.0/24\"]}"));
        JsonNode node = accepted(call("PUT", "/v1/admin/nodes/n1", admin(),
                "{\"roles\": [\"ROUTING\", \"ADDRESSING\", \"BRIDGING\", \"TUNNELING\"], \"publicAddress\": \"192.0.2.1\"}"));
        assertThat(node.path("requestedBy").path("subject").asText()).isEqualTo("operator");
        assertThat(node.path("requestedBy").path("gateway").asText()).isEqualTo("gw-test");

        Reply pools = call("GET", "/v1/admin/pools", admin(), null);
        assertThat(pools.status()).isEqualTo(200);
        assertThat(pools.body().toString()).contains("198.51.100.0/24").contains("10.0.0.0/8");
        assertThat(call("PUT", "/v1/admin/supernet", member("acme"), "{\"cidr\": \"10.0.0.0/8\"}").status())
                .as("a member on an admin path").isEqualTo(403);
    }

    @Test
    @Order(2)
    void aMemberBuildsAProjectThroughTheApiAndEveryResultNamesWhoAsked() throws Exception {
        String token = member("acme");
        accepted(call("POST", "/v1/projects/acme/network", token, null));
        accepted(call("POST", "/v1/projects/acme/security-groups", token, "{\"name\": \"web\"}"));
        JsonNode rule = accepted(call("POST", "/v1/projects/acme/security-groups/web/rules", token,
                "{\"protocol\": \"TCP\", \"fromPort\": 22, \"toPort\": 22, \"sourceCidr\": \"0.0.0.0/0\"}"));
        assertThat(rule.path("allocated").path("ruleId").asText()).isNotEmpty();
        JsonNode instance = accepted(call("POST", "/v1/projects/acme/instances", token, "{\"instance\": \"web-01\", \"group\": \"web\"}"));
        String fixed = instance.path("allocated").path("address").asText();
        assertThat(fixed).startsWith("10.");
        JsonNode floating = accepted(call("POST", "/v1/projects/acme/floating-ips", token, "{\"pool\": \"public\"}"));
        String address = floating.path("allocated").path("address").asText();
        assertThat(address).startsWith("198.51.100.");
        JsonNode association = accepted(call("PUT", "/v1/projects/acme/floating-ips/" + address + "/association", token,
                "{\"instance\": \"web-01\"}"));
        assertThat(association.path("requestedBy").path("subject").asText()).isEqualTo("alice@acme");
        assertThat(association.path("requestedBy").path("gateway").asText()).isEqualTo("gw-test");

        // The instance's metadata (ADR 0033): user data near its limit, more than the gateway's old 64 KiB of body.
        byte[] type = "ssh-ed25519".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer blob = java.nio.ByteBuffer.allocate(4 + type.length + 4 + 32).putInt(type.length).put(type).putInt(32).put(new byte[32]);
        String key = "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(blob.array()) + " alice@acme";
        String userData = "#cloud-config\\n" + "# padding\\n".repeat(6400);
        JsonNode metadata = accepted(call("PUT", "/v1/projects/acme/instances/web-01/metadata", token,
                "{\"sshKeys\": [\"" + key + "\"], \"userData\": \"" + userData + "\", \"meta\": {\"role\": \"web\"}}"));
        assertThat(metadata.path("allocated").path("address").asText()).isEqualTo(fixed);
        assertThat(metadata.path("message").asText()).contains("1 SSH key(s)").contains("64014 bytes of user data");

        Reply project = call("GET", "/v1/projects/acme", token, null);
        assertThat(project.status()).isEqualTo(200);
        assertThat(project.body().toString()).contains("web").contains("22");
        Reply instances = call("GET", "/v1/projects/acme/instances", token, null);
        assertThat(instances.body().toString()).contains("web-01").contains(fixed);
        Reply floatings = call("GET", "/v1/projects/acme/floating-ips", token, null);
        assertThat(floatings.body().toString()).contains(address).contains("web-01");

        // The same Idempotency-Key twice: one request, answered twice with the same result.
        Reply first = call("POST", "/v1/projects/acme/security-groups", token, "{\"name\": \"db\"}", "Idempotency-Key", "acme-db-1");
        Reply again = call("POST", "/v1/projects/acme/security-groups", token, "{\"name\": \"db\"}", "Idempotency-Key", "acme-db-1");
        assertThat(accepted(first).path("requestId").asText()).isEqualTo("acme-db-1");
        assertThat(accepted(again).path("sequence")).isEqualTo(first.body().path("sequence"));

        // Asynchronous: 202 with the link, which answers 200 with the result once it is there.
        Reply async = call("POST", "/v1/projects/acme/instances", token, "{\"instance\": \"web-02\", \"group\": \"web\"}",
                "Prefer", "respond-async");
        assertThat(async.status()).isEqualTo(202);
        String link = async.raw().headers().firstValue("Location").orElseThrow();
        assertThat(link).startsWith("/v1/projects/acme/requests/");
        Reply polled = pollUntilAnswered(link, token);
        assertThat(polled.body().path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(polled.body().path("allocated").path("instance").asText()).isEqualTo("web-02");
    }

    @Test
    @Order(3)
    void aReaderReadsButMayNotChangeAndAnotherProjectDoesNotExist() throws Exception {
        String reader = idp.token("bob", "acme", "reader");
        assertThat(call("GET", "/v1/projects/acme/instances", reader, null).status()).isEqualTo(200);
        Reply change = call("POST", "/v1/projects/acme/security-groups", reader, "{\"name\": \"x\"}");
        assertThat(change.status()).isEqualTo(403);
        assertThat(change.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");

        String other = member("globex");
        for (Reply reply : List.of(call("GET", "/v1/projects/acme", other, null), call("GET", "/v1/projects/acme/instances", other, null),
                call("POST", "/v1/projects/acme/security-groups", other, "{\"name\": \"x\"}"),
                call("DELETE", "/v1/projects/acme/instances/web-01", other, null))) {
            assertThat(reply.status()).as("%s", reply.body()).isEqualTo(404);
            assertThat(reply.body().toString()).doesNotContain("web-01");
        }
        // ... the same answer as a project that does not exist.
        assertThat(call("GET", "/v1/projects/acme", other, null).body().path("detail").asText()).isEqualTo("no project acme");
        assertThat(call("GET", "/v1/projects/initech", other, null).body().path("detail").asText()).isEqualTo("no project initech");
        assertThat(call("GET", "/v1/admin/projects", member("acme"), null).status()).isEqualTo(403);
        Reply all = call("GET", "/v1/admin/projects", admin(), null);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.body().toString()).contains("acme");
    }

    @Test
    @Order(4)
    void everyTokenThatIsNotGoodEnoughIs401AndChangesNothing() throws Exception {
        List<String> refused = new ArrayList<>();
        refused.add(null);
        refused.add("not-a-jwt");
        refused.add(idp.unsigned("alice@acme", "acme", "member"));
        refused.add(idp.wronglySigned("alice@acme", "acme", "member"));
        refused.add(idp.token("alice@acme", "acme", c -> c.expirationTime(Date.from(Instant.now().minusSeconds(600))), "member"));
        refused.add(idp.token("alice@acme", "acme", c -> c.audience("someone-else"), "member"));
        refused.add(idp.token("alice@acme", "acme", c -> c.issuer("https://evil.test"), "member"));
        int before = instanceCount();
        for (String token : refused) {
            Reply reply = call("POST", "/v1/projects/acme/instances", token, "{\"instance\": \"sneaky\", \"group\": \"web\"}");
            assertThat(reply.status()).as("token %s: %s", token, reply.body()).isEqualTo(401);
            assertThat(reply.raw().headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
            assertThat(reply.body().path("reason").asText()).isNotEmpty();
        }
        assertThat(instanceCount()).isEqualTo(before);
    }

    static int instanceCount() throws Exception {
        return call("GET", "/v1/projects/acme/instances", member("acme"), null).body().toString().split("\"instance\"").length - 1;
    }

    /** Half-open calls (headers or a body that never end) neither hang the gateway nor stay open. */
    @Test
    @Order(5)
    void halfOpenCallsHangNeitherTheGatewayNorStayOpen() throws Exception {
        java.net.InetSocketAddress address = new java.net.InetSocketAddress("127.0.0.1", gateway.address().getPort());
        try (io.factnet.http.Slowloris headers = io.factnet.http.Slowloris.open(address, 32,
                "POST /v1/projects/acme/security-groups HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ");
             io.factnet.http.Slowloris body = io.factnet.http.Slowloris.open(address, 8, "POST /v1/projects/acme/security-groups HTTP/1.1\r\n"
                     + "Host: a\r\nAuthorization: Bearer " + member("acme") + "\r\nContent-Length: 100\r\n\r\n{\"name\"")) {
            accepted(call("POST", "/v1/projects/acme/security-groups", member("acme"), "{\"name\": \"while-slow\"}"));
            assertThat(call("GET", "/healthz", null, null).status()).isEqualTo(200);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            assertThat(body.closedBy(deadline)).isEqualTo(8);
            assertThat(headers.closedBy(deadline)).isEqualTo(32);
        }
    }

    /**
     * Fairness, without timing: the controller is stopped, so nothing is answered and every request stays in flight. The
     * flooding project gets its {@value #IN_FLIGHT} in, then 429s with Retry-After; another project's request still gets in.
     * With the controller back, every accepted request is answered.
     */
    @Test
    @Order(6)
    void oneProjectsFloodDoesNotStarveAnother() throws Exception {
        accepted(call("POST", "/v1/projects/flood/network", member("flood"), null));
        accepted(call("POST", "/v1/projects/quiet/network", member("quiet"), null));
        controller.close();
        controller = null;
        List<String> links = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            Reply reply = call("POST", "/v1/projects/flood/security-groups", member("flood"), "{\"name\": \"g" + i + "\"}",
                    "Prefer", "respond-async");
            if (reply.status() == 202) {
                links.add(reply.raw().headers().firstValue("Location").orElseThrow());
            } else {
                assertThat(reply.status()).as("%s", reply.body()).isEqualTo(429);
                assertThat(reply.raw().headers().firstValue("Retry-After")).isPresent();
                refused++;
            }
        }
        assertThat(links).hasSize(IN_FLIGHT);
        assertThat(refused).isEqualTo(10 - IN_FLIGHT);
        Reply quiet = call("POST", "/v1/projects/quiet/security-groups", member("quiet"), "{\"name\": \"q\"}", "Prefer", "respond-async");
        assertThat(quiet.status()).as("the quiet project is not starved: %s", quiet.body()).isEqualTo(202);

        controller = startController();
        for (String link : links) {
            assertThat(pollUntilAnswered(link, member("flood")).body().path("status").asText()).isEqualTo("ACCEPTED");
        }
        String quietLink = quiet.raw().headers().firstValue("Location").orElseThrow();
        assertThat(pollUntilAnswered(quietLink, member("quiet")).body().path("status").asText()).isEqualTo("ACCEPTED");
        Reply next = call("POST", "/v1/projects/flood/security-groups", member("flood"), "{\"name\": \"after\"}");
        accepted(next);
    }

    /** With a certificate and key (made by openssl here), the port speaks TLS only; a client that trusts the certificate gets in. */
    @Test
    @Order(7)
    void withACertificateThePortSpeaksTlsOnly() throws Exception {
        Path cert = dir.resolve("gateway.crt");
        Path key = dir.resolve("gateway.key");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor()).as(output).isZero();
        try (Gateway tls = Gateway.start(new GatewayConfig("127.0.0.1", 0, "gw-tls", "http://127.0.0.1:1",
                        new TokenVerifier.Settings(jwks, Jwts.ISSUER, Jwts.AUDIENCE, "project", "roles", Duration.ofMinutes(5), Duration.ofSeconds(1)),
                        Duration.ofSeconds(30), IN_FLIGHT, GatewayConfig.DEFAULT_MAX_BODY, 4, 100, cert, key),
                Map.of("bootstrap.servers", kafka.bootstrapServers()), InMemorySchemaRegistryClient.scope(SCOPE), true)) {
            assertThat(tls.url()).startsWith("https://");
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (var in = java.nio.file.Files.newInputStream(cert)) {
                trust.setCertificateEntry("gateway", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            javax.net.ssl.TrustManagerFactory trustManagers = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> openApi = client.send(HttpRequest.newBuilder(URI.create(tls.url() + "/openapi.json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(openApi.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(openApi.body()).path("openapi").asText()).startsWith("3.");

            String plain = tls.url().replace("https://", "http://") + "/openapi.json";
            boolean plainAnswered;
            try {
                plainAnswered = http.send(HttpRequest.newBuilder(URI.create(plain)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (java.io.IOException e) {
                plainAnswered = false;
            }
            assertThat(plainAnswered).as("plain HTTP on the TLS port").isFalse();
        }
    }

    /** {@code factnet request ... --api}: the same output and exit codes as through Kafka. */
    @Test
    @Order(8)
    void theCliSendsThroughTheGatewayWithTheSameOutputAndExitCodes() throws Exception {
        Path token = dir.resolve("member.token");
        java.nio.file.Files.writeString(token, member("acme") + "\n");
        List<String> through = List.of("--project", "acme", "--api", gateway.url(), "--token-file", token.toString());

        io.factnet.cli.CliCapture made = cli("request", "create-security-group", "--name", "cli-made", "--wait", through);
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).startsWith("ACCEPTED CreateSecurityGroup ").contains("(project acme)");

        io.factnet.cli.CliCapture again = cli("request", "create-security-group", "--name", "cli-made", "--wait", through);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).startsWith("REJECTED CreateSecurityGroup ").contains("ALREADY_EXISTS");

        io.factnet.cli.CliCapture json = cli("request", "allocate-fixed-ip", "--instance", "cli-vm", "--group", "cli-made", "--wait", "--json",
                through);
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode result = JSON.readTree(json.out());
        assertThat(result.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(result.path("instance").asText()).isEqualTo("cli-vm");
        assertThat(result.path("address").asText()).startsWith("10.");
        assertThat(result.toString()).contains("alice@acme");

        io.factnet.cli.CliCapture async = cli("request", "create-security-group", "--name", "cli-async", through);
        assertThat(async.exit()).as(async.err()).isZero();
        String link = async.out().substring(async.out().indexOf("its result: ") + "its result: ".length()).strip();
        assertThat(link).startsWith(gateway.url() + "/v1/projects/acme/requests/");
        assertThat(pollUntilAnswered(link.substring(gateway.url().length()), member("acme")).body().path("status").asText())
                .isEqualTo("ACCEPTED");

        java.nio.file.Files.writeString(token, idp.token("bob", "acme", "reader"));
        io.factnet.cli.CliCapture reader = cli("request", "create-security-group", "--name", "nope", "--wait", through);
        assertThat(reader.exit()).isEqualTo(1);
        assertThat(reader.err()).contains("403").contains("member role");

        io.factnet.cli.CliCapture applied = cli("request", "create-security-group", "--name", "nope", "--wait-applied", through);
        assertThat(applied.exit()).isEqualTo(1);
        assertThat(applied.err()).contains("--wait-applied needs Kafka");
    }

    /** The audit trail: {@code factnet history} shows who asked for each change made through the gateway. */
    @Test
    @Order(9)
    void theHistoryNamesWhoAskedThroughTheGateway() throws Exception {
        io.factnet.cli.CliCapture history = io.factnet.cli.CliCapture.run(List.of("history", "--project", "acme", "--json",
                "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", "mock://" + SCOPE));
        assertThat(history.exit()).as(history.err()).isZero();
        List<JsonNode> entries = new ArrayList<>();
        for (String line : history.out().split("\n")) {
            entries.add(JSON.readTree(line));
        }
        assertThat(entries).hasSizeGreaterThan(5);
        // only the member's calls reached Kafka: the reader's and the strangers' were refused at the gateway
        assertThat(entries).extracting(e -> e.path("requestedBy").path("subject").asText()).containsOnly("alice@acme");
        assertThat(entries).extracting(e -> e.path("requestedBy").path("gateway").asText()).containsOnly("gw-test");
        io.factnet.cli.CliCapture table = io.factnet.cli.CliCapture.run(List.of("history", "--project", "acme",
                "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", "mock://" + SCOPE));
        assertThat(table.out()).contains("BY").contains("alice@acme @gw-test");
    }

    private static io.factnet.cli.CliCapture cli(String first, String second, Object... rest) {
        List<String> args = new ArrayList<>(List.of(first, second));
        for (Object part : rest) {
            if (part instanceof List<?> list) {
                list.forEach(p -> args.add(p.toString()));
            } else {
                args.add(part.toString());
            }
        }
        return io.factnet.cli.CliCapture.run(args);
    }

    static Reply pollUntilAnswered(String link, String token) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            Reply reply = call("GET", link, token, null);
            if (reply.status() != 202) {
                assertThat(reply.status()).as("%s", reply.body()).isEqualTo(200);
                return reply;
            }
            assertThat(Instant.now()).as("answered before the deadline").isBefore(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
