package io.factnet.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the DevTools protocol (a WebSocket of the JDK's HTTP client, no driver binary, no
 * dependency): it opens pages, evaluates JavaScript, takes screenshots and keeps the page's errors. Chromium runs as a
 * child process with its own profile folder; {@link #close} ends it and every process it started, by their handles.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/lib/chromium/chromium"),
            Path.of("/usr/bin/chromium-browser"), Path.of("/usr/bin/google-chrome"));
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile List<ProcessHandle> ended = List.of();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** The browser to run: $FACTNET_CHROMIUM, else Debian's chromium (or a Chrome) where packages put it. */
    static Optional<Path> binary() {
        String configured = System.getenv("FACTNET_CHROMIUM");
        Stream<Path> candidates = configured == null || configured.isBlank() ? CANDIDATES.stream()
                : Stream.of(Path.of(configured));
        return candidates.filter(Files::isExecutable).findFirst();
    }

    /** Starts the browser (profile and log under {@code folder}) and attaches to its first tab, sized {@code width} x {@code height}. */
    static HeadlessChromium start(Path binary, Path folder, int width, int height) throws Exception {
        Path profile = folder.resolve("profile");
        Files.createDirectories(profile);
        Files.deleteIfExists(profile.resolve("DevToolsActivePort"));
        Process process = new ProcessBuilder(binary.toString(), "--headless=new", "--disable-gpu", "--no-sandbox",
                "--user-data-dir=" + profile.toAbsolutePath(), "--remote-debugging-port=0", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
                "--window-size=" + width + "," + height, "--js-flags=--max-old-space-size=256", "about:blank")
                .redirectErrorStream(true).redirectOutput(folder.resolve("chromium.log").toFile()).start();
        try {
            int port = devToolsPort(process, profile.resolve("DevToolsActivePort"));
            String page = pageSocket(port);
            PendingBrowser pending = new PendingBrowser();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(page), pending).get(10, TimeUnit.SECONDS);
            HeadlessChromium browser = new HeadlessChromium(process, socket);
            pending.browser.complete(browser);
            browser.call("Runtime.enable", Map.of());
            browser.call("Log.enable", Map.of());
            browser.call("Page.enable", Map.of());
            // Records the page's Content-Security-Policy violations: a script the protocol adds runs before the page's own
            // and is not subject to the policy.
            browser.call("Page.addScriptToEvaluateOnNewDocument", Map.of("source", "window.__violations = [];"
                    + "document.addEventListener('securitypolicyviolation', (e) => window.__violations.push("
                    + "e.effectiveDirective + ' ' + (e.blockedURI || 'inline')));"));
            browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1,
                    "mobile", false));
            return browser;
        } catch (Exception | Error e) {
            stop(process);
            throw e;
        }
    }

    /** The port Chromium chose: the first line of the DevToolsActivePort file it writes into its profile. */
    private static int devToolsPort(Process process, Path file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("chromium exited with " + process.exitValue() + " (see chromium.log)");
            }
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= 2) {
                    return Integer.parseInt(lines.get(0).trim());
                }
            }
            process.waitFor(50, TimeUnit.MILLISECONDS); // a pause that also ends when the browser dies
        }
        throw new IllegalStateException("chromium did not open its DevTools port within 30 s (see chromium.log)");
    }

    /** The DevTools WebSocket of the browser's first page. */
    private static String pageSocket(int port) throws Exception {
        HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : JSON.readTree(list.body())) {
            if (target.path("type").asText().equals("page")) {
                return target.path("webSocketDebuggerUrl").asText();
            }
        }
        throw new IllegalStateException("chromium has no page to attach to: " + list.body());
    }

    /** One DevTools call; its result, or an exception with the protocol's error. */
    JsonNode call(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + ": " + reply.get("error"));
        }
        return reply.path("result");
    }

    void open(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
        waitFor("the page " + url + " loaded", "document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(url),
                Duration.ofSeconds(30));
    }

    /** The value of a JavaScript expression (a promise is awaited); a thrown exception fails with its text. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            JsonNode details = result.get("exceptionDetails");
            throw new IllegalStateException("the page threw: " + details.path("exception").path("description").asText(details.toString())
                    + "\n  evaluating: " + expression);
        }
        return result.path("result").path("value");
    }

    /**
     * Waits until {@code condition} (a JavaScript expression) is truthy, checking it in the page every 50 ms up to the
     * deadline (the page refreshes on its own: nothing here sleeps). Returns the truthy value.
     */
    JsonNode waitFor(String what, String condition, Duration within) throws Exception {
        String poll = "new Promise((resolve) => { const end = Date.now() + " + within.toMillis() + ";"
                + " const check = () => { let value = null; try { value = (" + condition + "); } catch (e) { value = null; }"
                + " if (value) { resolve(value); } else if (Date.now() > end) { resolve(null); } else { setTimeout(check, 50); } };"
                + " check(); })";
        JsonNode value = evaluate(poll);
        if (value == null || value.isNull() || value.isMissingNode()) {
            throw new AssertionError("not within " + within.toSeconds() + " s: " + what + " (" + condition + ")");
        }
        return value;
    }

    /** A PNG of the whole page (not only the window), written to {@code file}. */
    Path screenshot(Path file) throws Exception {
        JsonNode size = call("Page.getLayoutMetrics", Map.of()).path("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.path("width").asDouble(), "height",
                Math.min(size.path("height").asDouble(), 8000), "scale", 1);
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
        return file;
    }

    /** What the page reported as errors so far: uncaught exceptions and console or browser log errors. */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    private void onMessage(JsonNode message) {
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer = calls.remove(message.get("id").asInt());
            if (answer != null) {
                answer.complete(message);
            }
            return;
        }
        JsonNode params = message.path("params");
        switch (message.path("method").asText()) {
            case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails").path("exception")
                    .path("description").asText(params.path("exceptionDetails").path("text").asText()));
            case "Runtime.consoleAPICalled" -> {
                if (params.path("type").asText().equals("error")) {
                    errors.add("console.error: " + params.path("args"));
                }
            }
            case "Log.entryAdded" -> {
                if (params.path("entry").path("level").asText().equals("error")) {
                    errors.add("log: " + params.path("entry").path("text").asText() + " " + params.path("entry").path("url").asText());
                }
            }
            default -> {
            }
        }
    }

    /** Ends the browser: asks it to close, then ends what is left of it and of the processes it started. */
    @Override
    public void close() {
        try {
            socket.sendText("{\"id\": 0, \"method\": \"Browser.close\"}", true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // ended below in any case
        }
        ended = stop(process);
    }

    /** Ends the process and its descendants, each by its own handle (they are this test's children only). */
    private static List<ProcessHandle> stop(Process process) {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        family.add(process.toHandle());
        family.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : family) {
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        return family;
    }

    /** After {@link #close}: the browser's processes that still run (none, unless ending them failed). */
    List<ProcessHandle> leftRunning() {
        return ended.stream().filter(ProcessHandle::isAlive).toList();
    }

    /** Collects a message's frames; the browser it reports to is known once the socket is open. */
    private static final class PendingBrowser implements WebSocket.Listener {
        final CompletableFuture<HeadlessChromium> browser = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    JsonNode parsed = JSON.readTree(message);
                    browser.thenAccept(b -> b.onMessage(parsed));
                } catch (IOException e) {
                    throw new IllegalStateException("DevTools sent no JSON: " + message, e);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
