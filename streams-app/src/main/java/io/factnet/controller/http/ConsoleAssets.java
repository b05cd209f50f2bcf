package io.factnet.controller.http;

import io.factnet.http.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web console's files ({@code /console/}): plain HTML, CSS and JavaScript modules kept in the jar under
 * {@code io/factnet/controller/console/}, read once at start. Only the files named in {@link #FILES} are served, looked up
 * by their exact name, so no path (dot segments, encoded slashes, other resources of the jar) reaches anything else.
 * Every file goes out with a Content-Security-Policy that allows this origin's scripts, styles and fetches only: no
 * inline script or style, no eval, no other origin, no framing, so data that slipped into the page as markup could
 * still not run.
 */
final class ConsoleAssets {
    static final String PREFIX = "/console/";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The files of the console, by the name under {@link #PREFIX}; the index is also {@code /console/}. */
    static final List<String> FILES = List.of("index.html", "console.css", "console.js", "api.js", "dom.js", "overview.js",
            "project.js", "topology.js", "requests.js", "favicon.svg");
    private static final String RESOURCES = "/io/factnet/controller/console/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");
    private static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", CSP,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            // small files, and a new jar must show at once: the browser asks again each time (a 200 of a few KiB)
            "Cache-Control", "no-cache");

    private final Map<String, Reply> files = new LinkedHashMap<>();

    ConsoleAssets() {
        for (String name : FILES) {
            files.put(name, new Reply(200, read(name), TYPES.get(name.substring(name.lastIndexOf('.') + 1)), HEADERS));
        }
    }

    /** Whether the path is the console's: {@code /console} or under {@code /console/}. */
    static boolean owns(String path) {
        return path.equals("/console") || path.startsWith(PREFIX);
    }

    /** The file of a console path, a redirect of {@code /console} to {@code /console/}, else a 404. */
    Reply answer(String path) {
        if (path.equals("/console")) {
            // relative links of the page (console.css, ...) resolve under /console/ only with the slash
            return Reply.error(308, "the console is at " + PREFIX).withHeaders(Map.of("Location", PREFIX));
        }
        String name = path.substring(PREFIX.length());
        Reply file = files.get(name.isEmpty() ? "index.html" : name);
        if (file == null) {
            throw ApiException.notFound("no such file of the console: " + path);
        }
        return file;
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the console's file " + name + " is missing from the jar (" + RESOURCES + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
