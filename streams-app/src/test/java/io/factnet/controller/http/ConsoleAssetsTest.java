package io.factnet.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.http.HttpService;
import io.factnet.http.Reply;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's files as the HTTP server sends them, requests written byte for byte on a socket (an HTTP client would
 * clean up the dot segments and encodings this test is about): each file with its type and the security headers, the
 * redirect to the index, and no path that reaches anything but the listed files.
 */
class ConsoleAssetsTest {
    static final ConsoleAssets ASSETS = new ConsoleAssets();
    static HttpService http;

    /** A raw answer: status line, headers (names in lower case) and body. */
    record Raw(int status, Map<String, String> headers, String body) {
    }

    @BeforeAll
    static void serve() {
        // what ApiHandler does for the console's paths, without a controller behind it
        http = HttpService.bind("console test", "127.0.0.1", 0, HttpService.Limits.API).serve(call -> {
            try {
                return ConsoleAssets.owns(call.rawPath()) ? ASSETS.answer(call.rawPath()) : Reply.error(404, "not the console");
            } catch (ApiException e) {
                return Reply.error(e.status(), e.getMessage());
            }
        });
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void everyFileGoesOutWithItsTypeAndTheSecurityHeaders() throws Exception {
        Map<String, String> types = Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
                "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml");
        for (String name : ConsoleAssets.FILES) {
            Raw file = get("/console/" + name);
            assertThat(file.status()).as(name).isEqualTo(200);
            assertThat(file.headers()).as(name)
                    .containsEntry("content-type", types.get(name.substring(name.lastIndexOf('.') + 1)))
                    .containsEntry("content-security-policy", ConsoleAssets.CSP)
                    .containsEntry("x-content-type-options", "nosniff")
                    .containsEntry("referrer-policy", "no-referrer");
            try (InputStream in = getClass().getResourceAsStream("/io/factnet/controller/console/" + name)) {
                assertThat(file.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(get("/console/").body()).isEqualTo(get("/console/index.html").body());
        Raw redirect = get("/console");
        assertThat(redirect.status()).isEqualTo(308);
        assertThat(redirect.headers()).containsEntry("location", "/console/");
    }

    @Test
    void thePolicyAllowsNoInlineScriptOrStyleAndNoOtherOrigin() {
        assertThat(ConsoleAssets.CSP).startsWith("default-src 'none';").contains("script-src 'self';", "style-src 'self';",
                "connect-src 'self';", "frame-ancestors 'none'").doesNotContain("unsafe", "*", "http:", "data:");
    }

    @Test
    void pathsOtherThanTheListedFilesReachNothing() throws Exception {
        String[] paths = {"/console/../pom.xml", "/console/%2e%2e/%2e%2e/pom.xml", "/console/..%2fConsoleAssets.class",
            "/console/%2e%2e%2fConsoleAssets.class", "/console/io/factnet/controller/console/index.html", "/console/console.js/",
            "/console//index.html", "/console/ConsoleAssets.class", "/console/.", "/console/index.html%00.js",
            "/console/INDEX.HTML", "/console/index.html;.css", "/console/%69ndex.html", "/consolex/index.html"};
        for (String path : paths) {
            Raw answer = get(path);
            assertThat(answer.status()).as(path).isIn(400, 404);
            assertThat(answer.headers().get("content-type")).as(path).startsWith("application/json");
            assertThat(answer.body()).as(path).doesNotContain("<html", "import ", "package ");
        }
    }

    private static Raw get(String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", http.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(bytes);
            String text = bytes.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
        }
    }
}
