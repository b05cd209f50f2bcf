package io.factnet.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP server (Jetty's core server, no servlets) in front of a {@link Route}: the
 * controller's API and the agents' metrics. Why Jetty and these bounds: ADR 0023.
 * <ul>
 * <li>Requests are read without a thread (Jetty parses on its selector), so connections that stall in
 *     their request line, headers or body hold no thread: they hold a connection until the idle timeout
 *     closes it. Only a complete request reaches a handler thread.</li>
 * <li>One request per connection, which must arrive whole within the request timeout of the connection's
 *     opening: a client that drips a byte now and then (never idle) is closed all the same.</li>
 * <li>Threads are bounded, and so are the open connections (and with them the work queued for the threads):
 *     at the limit new ones wait in the accept backlog and idle ones are shed after {@link #SHED_AFTER}.</li>
 * <li>A route's {@link RuntimeException} is a 500 with an error id; the log has the exception under that
 *     id, the client only the id. Jetty's own errors (a bad request line, headers too large) are the same
 *     JSON shape, {@code {"error": "...", "status": N}}, with the status's reason phrase only.</li>
 * </ul>
 * <pre>
 * HttpService http = HttpService.bind("the controller's API", "0.0.0.0", 8080, Limits.API);  // binds: port 0 picks one
 * ... http.address().getPort() ...
 * http.serve(call -> Reply.text(200, "ok\n", "text/plain"));
 * </pre>
 */
public final class HttpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpService.class);
    /** The idle timeout of open connections while the connection limit is reached. */
    static final Duration SHED_AFTER = Duration.ofSeconds(1);

    /**
     * The bounds of one server.
     *
     * @param threads     requests handled at once (Jetty's reads, short, run on the same threads)
     * @param connections connections open at once; they also bound the work queue in front of the threads, which holds at
     *                    most one read or request per connection (a bounded queue would drop connections in a burst)
     * @param idleTimeout a connection that sends nothing for this long is closed, whether it stalled in a request or between two
     * @param requestTimeout a connection whose request (line, headers, body) is not complete this long after it opened is closed
     * @param headerBytes the request line and headers at most (else 431, or 414 for the line)
     */
    public record Limits(int threads, int connections, Duration idleTimeout, Duration requestTimeout, int headerBytes) {
        /** The controller's API: lists gathered from peers hold a thread while they wait (up to 10 s each). */
        public static final Limits API = new Limits(16, 512, Duration.ofSeconds(10), Duration.ofSeconds(10), 8192);
        /** An agent's metrics: one scraper and a health check. */
        public static final Limits METRICS = new Limits(2, 128, Duration.ofSeconds(10), Duration.ofSeconds(10), 8192);

        public Limits {
            if (threads < 1 || connections < 1 || idleTimeout.toMillis() < 1 || requestTimeout.toMillis() < 1 || headerBytes < 1024) {
                throw new IllegalArgumentException("bad HTTP limits " + threads + "/" + connections + "/" + idleTimeout
                        + "/" + requestTimeout + "/" + headerBytes);
            }
        }
    }

    private final String name;
    private final Server server;
    private final ServerConnector connector;

    private HttpService(String name, Server server, ServerConnector connector) {
        this.name = name;
        this.server = server;
        this.connector = connector;
    }

    /** Binds {@code host:port} (0: any free port) and queues connections until {@link #serve}. */
    public static HttpService bind(String name, String host, int port, Limits limits) {
        // + 2: Jetty's acceptor and selector threads come from the same pool
        QueuedThreadPool threads = new QueuedThreadPool(limits.threads() + 2, Math.min(4, limits.threads() + 2), 60_000, 0,
                new BlockingArrayQueue<>(), null);
        threads.setName("factnet-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(limits.headerBytes());
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        // one request per connection: the request timeout then bounds the whole life of a connection's reading
        config.setPersistentConnectionsEnabled(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(64);
        server.addConnector(connector);
        NetworkConnectionLimit connections = new NetworkConnectionLimit(limits.connections(), connector);
        connections.setEndPointIdleTimeout(SHED_AFTER.toMillis());
        server.addBean(connections);
        connector.addBean(new RequestDeadline(connector, limits.requestTimeout()));
        server.setErrorHandler(HttpService::jettyError);
        try {
            connector.open();
        } catch (IOException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            // no cause: the message is the whole story for the operator ("Address already in use")
            throw new IllegalStateException(name + " cannot listen on " + host + ":" + port + ": " + cause.getMessage());
        }
        return new HttpService(name, server, connector);
    }

    /** Starts answering with {@code route}. */
    public HttpService serve(Route route) {
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                write(request, response, callback, answer(route, call(request)));
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IllegalStateException(name + " cannot start: " + e.getMessage(), e);
        }
        log.info("{} listens on {}:{}", name, connector.getHost() == null ? "*" : connector.getHost(), connector.getLocalPort());
        return this;
    }

    private Reply answer(Route route, Call call) {
        try {
            return route.answer(call);
        } catch (RuntimeException e) {
            String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            log.error("{}: {} {} failed, error id {}", name, call.method(), call.pathAndQuery(), id, e);
            return Reply.error(500, "internal error, id " + id + " (the server's log has it)");
        }
    }

    private static Call call(Request request) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.putIfAbsent(field.getName(), field.getValue());
        }
        HttpURI uri = request.getHttpURI();
        // The connection's peer: what the TCP handshake proved, never what a header claims.
        String peer = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress remote
                && remote.getAddress() != null ? remote.getAddress().getHostAddress() : null;
        return new Call(request.getMethod(), uri.getPath(), uri.getQuery(), headers, peer);
    }

    /** Jetty's own refusals (bad request line, headers too large, ...): the reason phrase, never what the client sent. */
    private static boolean jettyError(Request request, Response response, Callback callback) {
        Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
        int code = status instanceof Integer given ? given : response.getStatus();
        write(request, response, callback, Reply.error(code, HttpStatus.getMessage(code)));
        return true;
    }

    private static void write(Request request, Response response, Callback callback, Reply reply) {
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        reply.headers().forEach((name, value) -> response.getHeaders().put(name, value));
        if (reply.status() == HttpStatus.METHOD_NOT_ALLOWED_405) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        } else if (reply.status() == HttpStatus.SERVICE_UNAVAILABLE_503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        boolean head = HttpMethod.HEAD.is(request.getMethod());
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(reply.body()), callback);
    }

    /** The bound address: the configured host and the port (the one picked for port 0). */
    public InetSocketAddress address() {
        String host = connector.getHost() == null ? "0.0.0.0" : connector.getHost();
        return new InetSocketAddress(host, connector.getLocalPort());
    }

    /** Stops answering and closes the port; requests in flight are cut. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("{}: stopping the HTTP server failed: {}", name, e.toString());
        }
        connector.close();
    }
}
