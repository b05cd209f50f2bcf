package io.factnet.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The shared server against half-open requests, failing routes and Jetty's own refusals. */
class HttpServiceTest {
    /**
     * Fewer threads than stalled connections, and timeouts short enough that the test sees the stalled
     * connections closed, long enough that an answer within 2 s was not waiting for that.
     */
    static final HttpService.Limits LIMITS = new HttpService.Limits(4, 256, Duration.ofSeconds(3), Duration.ofSeconds(4), 8192);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    HttpService http;
    InetSocketAddress address;

    @BeforeEach
    void serve() {
        http = HttpService.bind("the test server", "127.0.0.1", 0, LIMITS).serve(call -> switch (call.rawPath()) {
            case "/ok" -> Reply.text(200, "ok " + call.method() + " " + call.rawQuery() + "\n", "text/plain");
            case "/busy" -> Reply.error(503, "busy");
            case "/post" -> Reply.error(405, "GET only");
            default -> throw new IllegalStateException("secret detail \u001b[31m of the failure");
        });
        address = http.address();
    }

    @AfterEach
    void close() {
        http.close();
    }

    @Test
    void stalledRequestLinesAndHeadersHoldNoThreadAndAreClosedWhenIdle() throws Exception {
        for (String partial : new String[] {"GET /ok HT", "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: 1"}) {
            try (Slowloris slow = Slowloris.open(address, 64, partial)) {
                long start = System.nanoTime();
                assertThat(Slowloris.get(address, "/ok", Duration.ofSeconds(2))).isEqualTo(200);
                assertThat(slow.closedBy(start + Duration.ofSeconds(10).toNanos())).as(partial).isEqualTo(64);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(2900), Duration.ofSeconds(6));
            }
        }
    }

    @Test
    void aStalledBodyHoldsNoThreadAndIsClosed() throws Exception {
        try (Slowloris slow = Slowloris.open(address, 64, "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":")) {
            assertThat(Slowloris.get(address, "/ok", Duration.ofSeconds(2))).isEqualTo(200);
            assertThat(slow.closedBy(System.nanoTime() + Duration.ofSeconds(10).toNanos())).isEqualTo(64);
        }
    }

    @Test
    void aClientThatDripsItsHeadersIsClosedAtTheRequestTimeout() throws Exception {
        try (Socket drip = new Socket("127.0.0.1", address.getPort())) {
            long start = System.nanoTime();
            drip.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: x\r\nX-Drip: ".getBytes(StandardCharsets.US_ASCII));
            // a byte every 300 ms: never idle for the 3 s idle timeout
            drip.setSoTimeout(300);
            boolean closed = false;
            while (!closed && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
                try {
                    drip.getOutputStream().write('a');
                    closed = drip.getInputStream().read() < 0;
                } catch (SocketTimeoutException e) {
                    // still open: the next byte
                } catch (IOException e) {
                    closed = true;
                }
            }
            Duration open = Duration.ofNanos(System.nanoTime() - start);
            assertThat(closed).as("closed within 10 s").isTrue();
            assertThat(open).isBetween(Duration.ofMillis(3900), Duration.ofSeconds(7));
        }
    }

    @Test
    void aFailingRouteAnswersAnErrorIdAndLogsTheException() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(HttpService.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            HttpResponse<String> response = get("/fails?x=1");
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).doesNotContain("secret", "IllegalState", "\u001b");
            JsonNode body = Reply.MAPPER.readTree(response.body());
            String id = body.get("error").asText().replaceAll("^internal error, id ([0-9a-f]{16}) .*$", "$1");
            assertThat(id).hasSize(16);
            assertThat(logged.list).anySatisfy(event -> {
                assertThat(event.getFormattedMessage()).contains(id, "GET /fails?x=1");
                assertThat(event.getThrowableProxy().getMessage()).contains("secret detail");
            });
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void statusHeadersHeadAndQuery() throws Exception {
        assertThat(get("/ok?a=%20b").body()).isEqualTo("ok GET a=%20b\n");
        assertThat(get("/busy").headers().firstValue("Retry-After")).hasValue("1");
        assertThat(get("/post").headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(url("/ok")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void jettysOwnRefusalsAreJsonWithoutTheRequest() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(url("/ok")).header("X-Big", "x".repeat(9000))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(Reply.MAPPER.readTree(response.body()).get("status").asInt()).isEqualTo(431);
        assertThat(response.body()).doesNotContain("xxxx");
    }

    @Test
    void aTakenPortIsOneLine() {
        assertThatThrownBy(() -> HttpService.bind("the other server", "127.0.0.1", address.getPort(), LIMITS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the other server cannot listen on 127.0.0.1:" + address.getPort() + ": Address already in use");
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + address.getPort() + path);
    }
}
