package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the CLI prints when the user's arguments or the controller's answers are hostile: every error is
 * one line, no terminal escape sequence or line break gets through raw, and a huge value is cut.
 */
class HostileOutputTest {
    /** A newline, then an escape sequence that would paint the terminal red and set its title. */
    static final String HOSTILE = "12\n\u001b[31mred\u001b]0;pwned\u0007\u009b2J\u202eevil";

    @Test
    void anOptionErrorEchoingAHostileValueIsOneEscapedLine() {
        CliCapture run = CliCapture.run(List.of("request", "define-vlan-range", "--first", HOSTILE, "--last", "200"));
        assertThat(run.exit()).isEqualTo(1);
        TerminalSafe.assertInert(run.err());
        List<String> lines = run.err().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("factnet: Invalid value for option '--first': '12\\u000a\\u001b[31mred")
                .endsWith("' is not an int");
        assertThat(lines.get(1)).startsWith("Try 'factnet request define-vlan-range --help'");
    }

    @Test
    void picocliOwnMessagesAreEscapedToo() {
        CliCapture unknown = CliCapture.run(List.of("request", "allocate-floating-ip", "--project", "p1", "--pool", "public",
                "--color\n" + HOSTILE));
        assertThat(unknown.exit()).isEqualTo(1);
        TerminalSafe.assertInert(unknown.err());
        assertThat(unknown.err().lines().toList()).hasSize(2);
        assertThat(unknown.err()).contains("--color\\u000a12\\u000a");
    }

    @Test
    void aMegabyteValueIsCutKeepingTheStartAndTheReason() {
        String huge = "7".repeat(1 << 20);
        CliCapture run = CliCapture.run(List.of("request", "define-vlan-range", "--first", huge, "--last", "200"));
        assertThat(run.exit()).isEqualTo(1);
        String line = run.err().lines().findFirst().orElseThrow();
        assertThat(line.length()).isLessThan(700);
        assertThat(line).startsWith("factnet: Invalid value for option '--first': '777").contains("chars cut)")
                .endsWith("' is not an int");
    }

    @Test
    void anExecutionErrorEchoingTheUserIsOneEscapedLine() {
        CliCapture run = CliCapture.run(List.of("show", "nodes", "--controller", "ftp://" + HOSTILE));
        assertThat(run.exit()).isEqualTo(1);
        TerminalSafe.assertInert(run.err());
        assertThat(run.err().lines().toList()).hasSize(1);
        assertThat(run.err()).startsWith("factnet: --controller ftp://12\\u000a\\u001b[31mred").contains("is not a URL");
    }

    @Test
    void showTablesEscapeAndCutWhatTheControllerAnswers() throws Exception {
        String nodeId = "n1\n\u001b[2J" + "z".repeat(5000);
        String body = "{\"nodes\":[{\"nodeId\":" + json(nodeId) + ",\"registered\":true,\"roles\":[\"ROUTING\"],"
                + "\"publicAddress\":" + json("198.51.100.1\u001b[31m") + ",\"load\":{},\"applied\":{}}]}";
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/nodes", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            CliCapture table = CliCapture.run(List.of("show", "nodes", "--controller", url));
            assertThat(table.exit()).as(table.err()).isZero();
            TerminalSafe.assertInert(table.out());
            List<String> lines = table.out().lines().toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(1)).startsWith("n1\\u000a\\u001b[2Jzzz").contains("...(5007 chars)")
                    .contains("198.51.100.1\\u001b[31m");
            assertThat(lines.get(1).length()).isLessThan(400);

            CliCapture json = CliCapture.run(List.of("show", "nodes", "--json", "--controller", url));
            assertThat(json.exit()).as(json.err()).isZero();
            TerminalSafe.assertInert(json.out());
            // JSON keeps the value whole (scripts read it), escaped as JSON
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("nodeId").asText())
                    .isEqualTo(nodeId);
        } finally {
            server.stop(0);
        }
    }

    private static String json(String value) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
    }
}
