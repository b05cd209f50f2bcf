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
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the client puts on the wire: paths, headers, auth, failover and caching (a JDK HTTP server stands in). */
class HttpSchemaRegistryClientTest {
    private HttpServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            String path = exchange.getRequestURI().getRawPath();
            String body;
            int status = 200;
            if (path.startsWith("/schemas/ids/7")) {
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
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
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
