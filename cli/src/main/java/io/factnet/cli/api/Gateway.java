package io.factnet.cli.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.cli.client.Bodies;
import io.factnet.model.Request;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code factnet api}: the REST front door of projects and operators (ADR 0029). Each change is a request event
 * produced where {@link RequestRoutes} says, with the registry's Avro serde of {@link Topics#REQUESTS}, carrying the
 * caller's subject and this gateway's name ({@code requestedBy}); the answer is its result from
 * {@code factnet.results} ({@link ResultTail}), or at once a 202 with a link to poll. Reads of a project are forwarded
 * to the controller's HTTP API after the token's project is checked. Tokens are checked by {@link TokenVerifier}.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONTROLLER_TIMEOUT = Duration.ofSeconds(10);
    /** How long a body may take to arrive once the headers did (the request deadline covers the headers). */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
    /** A body too large but at most this long is read to its end (and dropped) before the 413 is sent. */
    private static final long DRAIN_BYTES = 4L * 1024 * 1024;

    private final GatewayConfig config;
    private final TokenVerifier tokens;
    private final ProjectLimits limits;
    private final ResultTail tail;
    private final KafkaProducer<String, Request> producer;
    private final HttpClient controller;
    private final byte[] openApi;
    private Server server;
    private ServerConnector connector;

    private Gateway(GatewayConfig config, Map<String, Object> kafka, SchemaRegistryClient registry, boolean autoRegister) {
        this.config = config;
        this.tokens = new TokenVerifier(config.tokens());
        this.limits = new ProjectLimits(config.inFlightPerProject());
        this.openApi = Answer.bytes(OpenApi.document());
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "factnet-api");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, SEND_TIMEOUT.toMillis());
        this.producer = new KafkaProducer<>(props, new StringSerializer(), Topics.REQUESTS.valueSerde(registry, autoRegister).serializer());
        try {
            this.tail = new ResultTail(kafka, registry, config.keepResults());
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
        this.controller = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Connects to Kafka (the results' end offsets), binds the port and serves. */
    public static Gateway start(GatewayConfig config, Map<String, Object> kafka, SchemaRegistryClient registry, boolean autoRegister) {
        Gateway gateway = new Gateway(config, kafka, registry, autoRegister);
        try {
            gateway.listen();
            return gateway;
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(config.host(), connector.getLocalPort());
    }

    /** {@code http://host:port} or {@code https://...}. */
    public String url() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return (config.tls() ? "https://" : "http://") + host + ":" + connector.getLocalPort();
    }

    // ------------------------------------------------------------------ the server (bounds as ADR 0023)

    private void listen() {
        QueuedThreadPool threads = new QueuedThreadPool(config.threads() + 2, Math.min(4, config.threads() + 2), 60_000, 0,
                new BlockingArrayQueue<>(), null);
        threads.setName("factnet-api");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(8192);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setPersistentConnectionsEnabled(false);
        // a WireGuard key in a path is base64 and may hold "/", sent as %2F; the gateway decodes segments itself
        http.setUriCompliance(UriCompliance.DEFAULT.with("factnet-api", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        if (config.tls()) {
            http.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(Tls.contextFactory(config), "http/1.1"),
                    new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        // a call waits up to the timeout for its result without I/O: the idle timeout must outlast it. A stalled request
        // is still cut after 10 s by the request deadline (the connection is closed unless its request arrived whole).
        connector.setIdleTimeout(config.timeout().plusSeconds(10).toMillis());
        connector.setAcceptQueueSize(64);
        server.addConnector(connector);
        NetworkConnectionLimit connections = new NetworkConnectionLimit(512, connector);
        connections.setEndPointIdleTimeout(1000);
        server.addBean(connections);
        connector.addBean(new io.factnet.http.RequestDeadline(connector, Duration.ofSeconds(10)));
        server.setErrorHandler((request, response, callback) -> {
            Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
            int code = status instanceof Integer given ? given : response.getStatus();
            write(response, callback, Answer.problem(code, code == 413 ? Problems.TOO_LARGE : Problems.BAD_REQUEST,
                    HttpStatus.getMessage(code), HttpStatus.getMessage(code)));
            return true;
        });
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                write(response, callback, answer(request));
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("the gateway cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        log.info("factnet api {} listens on {}", config.name(), url());
    }

    private Answer answer(org.eclipse.jetty.server.Request request) {
        TreeMap<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (HttpField field : request.getHeaders()) {
            headers.putIfAbsent(field.getName(), field.getValue());
        }
        HttpURI uri = request.getHttpURI();
        try {
            return handle(request.getMethod(), uri.getPath(), uri.getQuery(), headers, limit -> readBody(request, limit));
        } catch (RuntimeException e) {
            String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            log.error("{} {} failed, error id {}", request.getMethod(), uri.getPath(), id, e);
            return Answer.problem(500, Problems.GATEWAY_ERROR, "Internal Server Error", "internal error, id " + id + " (the gateway's log has it)");
        }
    }

    /**
     * Reads the body within {@link #BODY_TIMEOUT}: the connection's idle timeout is long (a call waits for its result
     * without I/O), so a body that stops coming would hold a thread that long; while the body is read the timeout is
     * short, and a stalled body is a 400 and the connection is closed.
     */
    private static byte[] readBody(org.eclipse.jetty.server.Request request, int limit) throws IOException {
        org.eclipse.jetty.io.EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        long waiting = endPoint.getIdleTimeout();
        endPoint.setIdleTimeout(BODY_TIMEOUT.toMillis());
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                in.skipNBytes(Math.min(DRAIN_BYTES, Math.max(0, request.getLength() - bytes.length)));
            }
            return bytes;
        } finally {
            endPoint.setIdleTimeout(waiting);
        }
    }

    private static void write(Response response, Callback callback, Answer answer) {
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        answer.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }

    // ------------------------------------------------------------------ routing

    /** Reads the body, at most {@code limit + 1} bytes (more means too large). */
    interface Body {
        byte[] read(int limit) throws IOException;
    }

    Answer handle(String method, String rawPath, String rawQuery, Map<String, String> headers, Body body) {
        List<String> path;
        try {
            path = segments(rawPath);
        } catch (IllegalArgumentException e) {
            return Answer.problem(400, Problems.BAD_REQUEST, "Bad Request", "the path is not percent-encoded properly");
        }
        String joined = "/" + String.join("/", path);
        if (joined.equals("/openapi.json") && method.equals("GET")) {
            return Answer.raw(200, openApi);
        }
        if (joined.equals("/healthz") && method.equals("GET")) {
            return tail.alive() ? Answer.json(200, Answer.JSON.createObjectNode().put("state", "RUNNING"))
                    : Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "the results reader stopped").with("Retry-After", "1");
        }
        Caller caller;
        try {
            caller = authenticate(headers.get("Authorization"));
        } catch (TokenVerifier.Refused e) {
            return Answer.problem(401, Problems.UNAUTHENTICATED, "Unauthorized", e.getMessage())
                    .with("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        List<String> methods = new ArrayList<>();
        CommandRoutes.Match command = CommandRoutes.match(method, path, methods);
        if (command != null) {
            return command(caller, command, headers, body);
        }
        for (Reads.Read read : Reads.ALL) {
            Map<String, String> parameters = CommandRoutes.parameters(read.segments(), path);
            if (parameters != null) {
                if (method.equals("GET")) {
                    return read(caller, read, parameters, joined, rawQuery);
                }
                methods.add("GET");
            }
        }
        if (!methods.isEmpty()) {
            return Answer.problem(405, Problems.METHOD_NOT_ALLOWED, "Method Not Allowed", method + " is not a method of this path")
                    .with("Allow", String.join(", ", methods.stream().distinct().sorted().toList()));
        }
        return Answer.problem(404, Problems.NO_SUCH_PATH, "Not Found", "no such path (the API: /openapi.json)");
    }

    private Caller authenticate(String authorization) throws TokenVerifier.Refused {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new TokenVerifier.Refused("a bearer token is required (Authorization: Bearer <JWT>)");
        }
        return tokens.verify(authorization.substring(7).trim());
    }

    private static Answer noProject(String project) {
        return Answer.problem(404, "NOT_FOUND", "Not Found", "no project " + project);
    }

    private static Answer forbidden(String detail) {
        return Answer.problem(403, Problems.FORBIDDEN, "Forbidden", detail);
    }

    private static Answer tooMany(String project, int limit) {
        return Answer.problem(429, Problems.TOO_MANY_REQUESTS, "Too Many Requests",
                "project " + project + " has " + limit + " requests in flight at this gateway; retry after one is answered")
                .with("Retry-After", "1");
    }

    // ------------------------------------------------------------------ changes

    private Answer command(Caller caller, CommandRoutes.Match match, Map<String, String> headers, Body body) {
        CommandRoutes.Route route = match.route();
        Map<String, String> parameters = new LinkedHashMap<>(match.parameters());
        String project = parameters.remove("project");
        if (route.admin()) {
            if (!caller.admin()) {
                return forbidden("the admin paths need the admin role");
            }
            if (project == null) {
                project = RequestRoutes.ADMIN_PROJECT;
            } else if (!NAME.matcher(project).matches()) {
                return noProject(project);
            }
        } else {
            if (!caller.sees(project)) {
                return noProject(project);
            }
            if (!caller.changes(project)) {
                return forbidden("the token may only read project " + project + " (a change needs the member role)");
            }
        }
        SpecificRecord commandRecord;
        try {
            String contentLength = headers.get("Content-Length");
            // Past DRAIN_BYTES it is refused unread (and the connection closed); a smaller body too large is read
            // to its end by readBody, so that a client still sending it gets the 413 rather than a reset.
            if (contentLength != null && contentLength.chars().allMatch(Character::isDigit) && contentLength.length() < 12
                    && Long.parseLong(contentLength) > Math.max(config.maxBodyBytes(), DRAIN_BYTES)) {
                return Answer.problem(413, Problems.TOO_LARGE, "Content Too Large", "the body has more than " + config.maxBodyBytes() + " bytes");
            }
            byte[] bytes = body.read(config.maxBodyBytes());
            if (bytes.length > config.maxBodyBytes()) {
                return Answer.problem(413, Problems.TOO_LARGE, "Content Too Large", "the body has more than " + config.maxBodyBytes() + " bytes");
            }
            JsonNode json = bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank() ? null : Answer.JSON.readTree(bytes);
            commandRecord = Bodies.command(route.command(), json, parameters);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            return Answer.problem(400, "INVALID_ARGUMENT", "Bad Request", "the body is not JSON" + where + ": "
                    + io.factnet.text.SafeText.line(e.getOriginalMessage()));
        } catch (Bodies.BadBody e) {
            return Answer.problem(400, "INVALID_ARGUMENT", "Bad Request", e.getMessage());
        } catch (IOException e) {
            return Answer.problem(400, Problems.BAD_REQUEST, "Bad Request", "the body could not be read");
        }
        String requestId = headers.get("Idempotency-Key");
        if (requestId == null) {
            requestId = UUID.randomUUID().toString();
        } else if (!REQUEST_ID.matcher(requestId).matches()) {
            return Answer.problem(400, "INVALID_ARGUMENT", "Bad Request",
                    "Idempotency-Key must be 1-128 of A-Z a-z 0-9 . _ : - starting with a letter or digit (it becomes the request id)");
        }
        Request request = Request.newBuilder().setRequestId(requestId).setProject(project).setSubmittedAt(Instant.now())
                .setCommand(commandRecord).setRequestedBy(new Requester(caller.subject(), config.name())).build();
        boolean async = headers.getOrDefault("Prefer", "").toLowerCase(java.util.Locale.ROOT).contains("respond-async");
        return send(request, async);
    }

    private Answer send(Request request, boolean async) {
        String project = request.getProject();
        String id = request.getRequestId();
        if (!limits.tryAcquire(project)) {
            return tooMany(project, limits.limit());
        }
        CompletableFuture<Result> future = tail.expect(project, id);
        boolean released = false;
        try {
            Topic<String, Request> topic = RequestRoutes.topicOf(request);
            try {
                producer.send(new ProducerRecord<>(topic.name(), RequestRoutes.keyOf(request), request))
                        .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tail.forget(project, id, future);
                return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "interrupted");
            } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
                tail.forget(project, id, future);
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                log.warn("request {} of project {} not sent: {}", id, project, cause.toString());
                return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "the request could not be written to Kafka")
                        .with("Retry-After", "1");
            }
            String poll = pollPath(project, id);
            if (async) {
                released = true;
                future.orTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((result, error) -> {
                    limits.release(project);
                    if (error != null) {
                        tail.forget(project, id, future);
                    }
                });
                ObjectNode body = Answer.JSON.createObjectNode().put("requestId", id).put("project", project)
                        .put("status", "PENDING").put("href", poll);
                return Answer.json(202, body).with("Location", poll).with("Preference-Applied", "respond-async");
            }
            try {
                return resultAnswer(future.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                tail.forget(project, id, future);
                return Answer.problem(504, Problems.TIMEOUT, "Gateway Timeout", "no result within " + config.timeout().toMillis()
                                + " ms; the request is on Kafka and may still be answered: poll " + poll)
                        .withMember("requestId", Answer.JSON.getNodeFactory().textNode(id))
                        .with("Location", poll);
            } catch (ExecutionException e) {
                return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "the gateway's results reader stopped")
                        .with("Retry-After", "1");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "interrupted");
            }
        } finally {
            if (!released) {
                limits.release(project);
            }
        }
    }

    private static String pollPath(String project, String id) {
        return RequestRoutes.ADMIN_PROJECT.equals(project) ? "/v1/admin/requests/" + id : "/v1/projects/" + project + "/requests/" + id;
    }

    /** ACCEPTED: 200 and the result; REJECTED: a problem document with the reason code, its status from the reason. */
    static Answer resultAnswer(Result result) {
        ObjectNode json = Bodies.result(result);
        if (result.getStatus() == Status.ACCEPTED) {
            return Answer.json(200, json);
        }
        return Answer.problem(Problems.status(result.getReason()), result.getReason().name(), "REJECTED " + result.getReason(),
                        result.getMessage())
                .withMember("requestId", Answer.JSON.getNodeFactory().textNode(result.getRequestId()))
                .withMember("result", json);
    }

    // ------------------------------------------------------------------ reads

    private Answer read(Caller caller, Reads.Read read, Map<String, String> parameters, String path, String rawQuery) {
        String project = parameters.get("project");
        if (read.admin()) {
            if (!caller.admin()) {
                return forbidden("the admin paths need the admin role");
            }
            project = RequestRoutes.ADMIN_PROJECT;
        } else if (!caller.sees(project) || !NAME.matcher(project).matches()) {
            return noProject(project);
        }
        if (Reads.POLL.equals(read.target())) {
            Result result = tail.recent(project, parameters.get("requestId"));
            if (result != null) {
                return Answer.json(200, Bodies.result(result));
            }
            if (tail.pending(project, parameters.get("requestId"))) {
                return Answer.json(202, Answer.JSON.createObjectNode().put("requestId", parameters.get("requestId"))
                        .put("project", project).put("status", "PENDING")).with("Retry-After", "1");
            }
            return Answer.problem(404, "NOT_FOUND", "Not Found", "no request " + parameters.get("requestId") + " of project " + project
                    + " in this gateway's memory (it keeps the last " + config.keepResults() + " results since it started)");
        }
        if (!limits.tryAcquire(project)) {
            return tooMany(project, limits.limit());
        }
        try {
            return forward(read, parameters, path, query(rawQuery, read));
        } finally {
            limits.release(project);
        }
    }

    private static Map<String, String> query(String rawQuery, Reads.Read read) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                if (read.allowed().contains(name)) {
                    query.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
                }
            }
        }
        return query;
    }

    private Answer forward(Reads.Read read, Map<String, String> parameters, String path, Map<String, String> query) {
        String target = read.target();
        String project = parameters.get("project");
        if (project != null) {
            target = target.replace("{project}", URLEncoder.encode(project, StandardCharsets.UTF_8));
        }
        StringBuilder url = new StringBuilder(config.controllerUrl()).append(target);
        char separator = target.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> entry : query.entrySet()) {
            url.append(separator).append(URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        HttpResponse<byte[]> response;
        try {
            response = controller.send(HttpRequest.newBuilder(URI.create(url.toString())).timeout(CONTROLLER_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "the controller does not answer"
                    + (e instanceof ConnectException ? " (connection refused)" : "")).with("Retry-After", "1");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.problem(503, Problems.UNAVAILABLE, "Service Unavailable", "interrupted");
        }
        JsonNode json;
        try {
            json = Answer.JSON.readTree(response.body());
        } catch (IOException e) {
            return Answer.problem(502, Problems.GATEWAY_ERROR, "Bad Gateway", "the controller's answer is not JSON");
        }
        int status = response.statusCode();
        if (status == 200) {
            if (json instanceof ObjectNode object && object.get("next") instanceof ObjectNode next && next.hasNonNull("cursor")) {
                Map<String, String> again = new LinkedHashMap<>(query);
                again.remove("project");
                again.put("cursor", next.get("cursor").asText());
                StringBuilder href = new StringBuilder(path);
                char sep = '?';
                for (Map.Entry<String, String> entry : again.entrySet()) {
                    href.append(sep).append(URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8)).append('=')
                            .append(URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8));
                    sep = '&';
                }
                next.put("href", href.toString());
            }
            return Answer.json(200, json);
        }
        String detail = json.path("error").asText("the controller answered " + status);
        String reason = switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 404 -> "NOT_FOUND";
            case 503 -> Problems.UNAVAILABLE;
            default -> Problems.GATEWAY_ERROR;
        };
        Answer problem = Answer.problem(status, reason, HttpStatus.getMessage(status), detail);
        return status == 503 ? problem.with("Retry-After", "1") : problem;
    }

    /** The path's segments, each percent-decoded ("+" stays "+": it is not a space in a path). */
    static List<String> segments(String rawPath) {
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        List<String> segments = new ArrayList<>();
        for (String segment : trimmed.split("/", -1)) {
            segments.add(decode(segment.replace("+", "%2B")));
        }
        return segments;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** Requests of the project in flight now (tests and metrics). */
    int inFlight(String project) {
        return limits.inFlight(project);
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                log.warn("stopping the gateway's HTTP server: {}", e.toString());
            }
        }
        if (tail != null) {
            tail.close();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
