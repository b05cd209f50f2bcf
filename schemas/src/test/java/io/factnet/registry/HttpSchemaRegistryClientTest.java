package io.factnet.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the client puts on the wire: paths, headers, auth, failover and caching (a JDK HTTP server stands in). */
class HttpSchemaRegistryClientTest {
    private HttpServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool(); // a held request must not hold up the others

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            String path = exchange.getRequestURI().getRawPath();
            String body;
            int status = 200;
            if (path.startsWith("/schemas/ids/500")) {
                status = 500;
                body = "{\"error_code\":50001,\"message\":\"Error in the backend datastore\"}";
            } else if (path.startsWith("/schemas/ids/503")) {
                status = 503;
                body = "<html><body>proxy: no upstream</body></html>";
            } else if (path.startsWith("/schemas/ids/404")) {
                status = 404; // a 404 that is not the registry's: a proxy, or a wrong base path
                body = "<html><body>Not Found</body></html>";
            } else if (path.startsWith("/schemas/ids/401")) {
                status = 401;
                body = "{\"error_code\":401,\"message\":\"Unauthorized\"}";
            } else if (path.startsWith("/schemas/ids/408")) {
                try {
                    // No answer until the test ends: the client's timeout must fire, however slow the machine is.
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                body = "{}";
            } else if (path.startsWith("/schemas/ids/7")) {
                body = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"A\\\",\\\"fields\\\":[]}\"}";
            } else if (path.startsWith("/schemas/ids/")) {
                status = 404;
                body = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
            } else if (path.startsWith("/subjects/") && path.endsWith("/versions")) {
                body = "{\"id\":7}";
            } else {
                status = 500;
                body = "{}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.setExecutor(handlers);
        server.start();
    }

    @AfterEach
    void stopServer() {
        released.countDown();
        server.stop(0);
        handlers.shutdown();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void sendsBasicAuthFailsOverToTheNextUrlAndCaches() throws IOException {
        SchemaRegistryClient client = new HttpSchemaRegistryClient(SchemaRegistryConfig.from(Map.of(
                "schema.registry.url", "http://127.0.0.1:" + closedPort() + "," + url(),
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "alice:secret")));
        Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}");

        assertThat(client.register("t/x-value", schema)).isEqualTo(7);
        assertThat(client.register("t/x-value", schema)).isEqualTo(7);
        assertThat(client.schemaById(7)).isEqualTo(schema);

        // One call only: the id came with the registration, and both are cached.
        assertThat(calls).containsExactly("POST /subjects/t%2Fx-value/versions");
        assertThat(authorizations).containsOnly("Basic YWxpY2U6c2VjcmV0");
    }

    @Test
    void errorsCarryTheRegistryErrorCode() {
        SchemaRegistryClient client = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(url()));
        assertThatThrownBy(() -> client.schemaById(99))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
                    assertThat(e).hasMessageContaining("Schema not found");
                });
        assertThat(authorizations).containsOnly("null");
    }

    /** Only the registry's own 404 says an id is unknown (dead letter); no answer at all must be retried. */
    @Test
    void aRealNotFoundIsAnAnswerAndEverythingElseIsUnavailable() throws IOException {
        // A timeout long enough for a loaded machine where the server answers; a short one where it never does.
        SchemaRegistryClient client = new HttpSchemaRegistryClient(SchemaRegistryConfig.from(Map.of(
                "schema.registry.url", url(), "schema.registry.request.timeout.ms", "30000")));
        assertThatThrownBy(() -> client.schemaById(99)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.unavailable()).as("40403: the registry answered").isFalse());
        for (int id : new int[] {500, 503, 404, 401}) {
            assertThatThrownBy(() -> client.schemaById(id)).as("schema id %d", id)
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.unavailable()).isTrue());
        }
        SchemaRegistryClient impatient = new HttpSchemaRegistryClient(SchemaRegistryConfig.from(Map.of(
                "schema.registry.url", url(), "schema.registry.request.timeout.ms", "200")));
        assertThatThrownBy(() -> impatient.schemaById(408)).as("no answer in time")
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.unavailable()).isTrue());
        SchemaRegistryClient closed = new HttpSchemaRegistryClient(SchemaRegistryConfig.of("http://127.0.0.1:" + closedPort()));
        assertThatThrownBy(() -> closed.schemaById(7)).as("connection refused")
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.unavailable()).isTrue());
    }

    @Test
    void aUrlThatGivesNoAnswerPassesTheCallToTheNext() {
        // The first "registry" answers every path with 503 from a proxy; the second is this test's server.
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(SchemaRegistryConfig.of(url() + "/schemas/ids/503," + url()));
        assertThat(client.schemaById(7).getName()).isEqualTo("A");
        assertThat(calls).containsExactly("GET /schemas/ids/503/schemas/ids/7", "GET /schemas/ids/7");
    }

    @Test
    void anUnreachableRegistryIsNamed() throws IOException {
        String dead = "http://127.0.0.1:" + closedPort();
        SchemaRegistryClient client = new HttpSchemaRegistryClient(SchemaRegistryConfig.from(Map.of(
                "schema.registry.url", dead, "schema.registry.request.timeout.ms", "2000")));
        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("schema registry unreachable at " + dead);
    }
}
