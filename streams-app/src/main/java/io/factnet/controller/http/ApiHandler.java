package io.factnet.controller.http;

import io.factnet.controller.Controller;
import io.factnet.controller.stage.Check;
import io.factnet.http.Call;
import io.factnet.http.Reply;
import io.factnet.http.Route;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The controller's read-only HTTP API: parses the path and parameters, checks the state, and hands the
 * query to {@link QueryRouter}. Every answer is JSON ({@code /metrics} excepted); errors are
 * {@code {"error": "...", "status": N}}: 400 bad parameter, 404 unknown project or path, 405 not GET,
 * 503 not RUNNING, a store moving, or a peer not answering (with Retry-After); 500 an error id, the exception
 * only in the log ({@link io.factnet.http.HttpService}).
 */
final class ApiHandler implements Route {
    private static final Pattern PROJECT = Pattern.compile("/v1/projects/([^/]+)");
    private static final Pattern PROJECT_INSTANCES = Pattern.compile("/v1/projects/([^/]+)/instances");
    private static final Pattern PROJECT_REQUESTS = Pattern.compile("/v1/projects/([^/]+)/requests");

    private final Controller controller;
    private final QueryRouter router;
    private final ControllerMetrics metrics;
    private final AckLag lag;
    private final ConsoleAssets console = new ConsoleAssets();

    ApiHandler(Controller controller, QueryRouter router, ControllerMetrics metrics, NodeOffsets offsets) {
        this.controller = controller;
        this.router = router;
        this.metrics = metrics;
        this.lag = new AckLag(offsets);
    }

    @Override
    public Reply answer(Call call) {
        try {
            return route(call);
        } catch (ApiException e) {
            return Reply.error(e.status(), e.getMessage());
        }
    }

    private Reply route(Call call) {
        if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
            throw new ApiException(405, "the API is read-only: GET only");
        }
        String path = call.rawPath();
        Map<String, String> query = query(call.rawQuery());
        if (path.equals("/healthz")) {
            params(query);
            return Healthz.reply(controller);
        }
        if (path.equals("/metrics")) {
            params(query);
            return metrics.reply();
        }
        if (ConsoleAssets.owns(path)) {
            params(query);
            return console.answer(path); // static files: served in any state, the page says when the API cannot answer
        }
        String pathAndQuery = call.pathAndQuery();
        boolean forwarded = call.hasHeader(Peers.FORWARDED);
        Matcher project = PROJECT.matcher(path);
        Matcher instances = PROJECT_INSTANCES.matcher(path);
        Matcher requests = PROJECT_REQUESTS.matcher(path);
        if (project.matches()) {
            params(query);
            String name = name("project", project.group(1));
            return whenRunning(() -> router.byProject(name, pathAndQuery, forwarded, null, local -> local.project(name)));
        } else if (instances.matches()) {
            params(query, Page.LIMIT, Page.CURSOR);
            String name = name("project", instances.group(1));
            Page page = Page.of(Listing.INSTANCES, query);
            return whenRunning(() -> router.byProject(name, pathAndQuery, forwarded, page, local -> local.instances(name)));
        } else if (requests.matches()) {
            params(query, Page.LIMIT, Page.CURSOR);
            String name = name("project", requests.group(1));
            Page page = Page.of(Listing.REQUESTS, query);
            return whenRunning(() -> router.byProject(name, pathAndQuery, forwarded, page, local -> local.requests(name)));
        }
        return switch (path) {
            case "/v1/projects" -> {
                params(query, Page.LIMIT, Page.CURSOR);
                Page page = Page.of(Listing.PROJECTS, query);
                yield whenRunning(() -> router.gather(pathAndQuery, forwarded, page, router.local()::projects));
            }
            case "/v1/instances" -> {
                params(query, Page.LIMIT, Page.CURSOR);
                Page page = Page.of(Listing.INSTANCES, query);
                yield whenRunning(() -> router.gather(pathAndQuery, forwarded, page, router.local()::allInstances));
            }
            case "/v1/floating-ips" -> {
                params(query, "pool", "project", Page.LIMIT, Page.CURSOR);
                String pool = query.containsKey("pool") ? name("pool", query.get("pool")) : null;
                String owner = query.containsKey("project") ? name("project", query.get("project")) : null;
                Page page = Page.of(Listing.FLOATING_IPS, query);
                yield whenRunning(() -> owner != null
                        ? router.byProject(owner, pathAndQuery, forwarded, page, local -> local.floatingIps(pool, owner))
                        : router.gather(pathAndQuery, forwarded, page, () -> router.local().floatingIps(pool, null)));
            }
            case "/v1/pools" -> {
                params(query, Page.LIMIT, Page.CURSOR);
                Page page = Page.of(Listing.POOLS, query);
                yield whenRunning(() -> router.gather(pathAndQuery, forwarded, page, router.local()::pools));
            }
            case "/v1/nodes" -> {
                params(query, Page.LIMIT, Page.CURSOR);
                Page page = Page.of(Listing.NODES, query);
                yield whenRunning(() -> router.gather(pathAndQuery, forwarded, page,
                        () -> lag.annotate(router.local().nodes(), router.local().acks())));
            }
            default -> throw ApiException.notFound("no such path: " + path + " (see docs/api.md)");
        };
    }

    private interface Query {
        Reply run();
    }

    /** Stores answer only while the controller runs: before, and during a rebalance, they may be elsewhere. */
    private Reply whenRunning(Query query) {
        KafkaStreams.State state = controller.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw ApiException.unavailable("the controller is " + state + ", not RUNNING: its stores cannot be queried now; "
                    + "retry shortly");
        }
        return query.run();
    }

    private static String name(String what, String value) {
        if (!Check.NAME.matcher(value).matches()) {
            throw ApiException.badRequest(what + " must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit: "
                    + Check.quote(value));
        }
        return value;
    }

    private static void params(Map<String, String> query, String... allowed) {
        Set<String> known = new LinkedHashSet<>(List.of(allowed)); // in the order given: a stable message
        for (String name : query.keySet()) {
            if (!known.contains(name)) {
                throw ApiException.badRequest("unknown parameter " + Check.quote(name)
                        + (known.isEmpty() ? ": this path takes none" : "; this path takes " + known));
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                if (query.put(name, value) != null) {
                    throw ApiException.badRequest("parameter " + Check.quote(name) + " is given twice");
                }
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("bad query string: " + e.getMessage());
            }
        }
        return query;
    }
}
