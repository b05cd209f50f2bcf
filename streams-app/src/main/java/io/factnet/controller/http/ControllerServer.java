package io.factnet.controller.http;

import com.sun.net.httpserver.HttpServer;
import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller with its HTTP API: binds the port first (so that port 0 can pick a free one), tells Kafka
 * Streams where this instance answers ({@code application.server}), starts the controller, then serves.
 * <pre>
 * try (ControllerServer server = ControllerServer.start(config)) { ... server.url() ... }
 * </pre>
 */
public final class ControllerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
    /** Enough that lists gathered from peers (each holding a thread while it waits) do not starve each other. */
    private static final int THREADS = 16;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Controller controller;
    private final NodeOffsets offsets;
    private final String advertised;

    private ControllerServer(HttpServer http, ExecutorService executor, Controller controller, NodeOffsets offsets,
                             String advertised) {
        this.http = http;
        this.executor = executor;
        this.controller = controller;
        this.offsets = offsets;
        this.advertised = advertised;
    }

    public static ControllerServer start(ControllerConfig config) {
        HttpServer http = bind(config.http());
        try {
            String advertised = advertised(config, http.getAddress());
            Controller controller = Controller.start(config.withApplicationServer(advertised));
            NodeOffsets offsets = null;
            try {
                offsets = new NodeOffsets(config.adminProperties());
                QueryRouter router = new QueryRouter(controller.stores(), HostInfo.buildFromEndpoint(advertised));
                ExecutorService executor = Executors.newFixedThreadPool(THREADS, daemonThreads());
                http.createContext("/", new ApiHandler(controller, router, new ControllerMetrics(controller, router.local(), offsets)));
                http.setExecutor(executor);
                http.start();
                log.info("controller {} serves its HTTP API on {}:{} (others reach it at {})", config.applicationId(),
                        config.http().host(), http.getAddress().getPort(), advertised);
                return new ControllerServer(http, executor, controller, offsets, advertised);
            } catch (RuntimeException e) {
                if (offsets != null) {
                    offsets.close();
                }
                controller.close();
                throw e;
            }
        } catch (RuntimeException e) {
            http.stop(0);
            throw e;
        }
    }

    private static HttpServer bind(ControllerConfig.Http settings) {
        try {
            return HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        } catch (IOException e) {
            // no cause: the message is the whole story for the operator ("Address already in use")
            throw new IllegalStateException("the HTTP API cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
        }
    }

    /** Where the others reach this instance: as configured, else this host's name (or the bound address) and the port. */
    private static String advertised(ControllerConfig config, InetSocketAddress bound) {
        if (config.http().advertised() != null) {
            return config.http().advertised();
        }
        Object applicationServer = config.streams().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (applicationServer != null && !applicationServer.toString().isBlank()) {
            return applicationServer.toString();
        }
        String host = bound.getHostString();
        if (bound.getAddress().isAnyLocalAddress()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return host + ":" + bound.getPort();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "factnet-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public Controller controller() {
        return controller;
    }

    /** The bound address, e.g. to build a URL when port 0 picked a free port. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The {@code host:port} other instances route queries to. */
    public String advertised() {
        return advertised;
    }

    /** Stops serving, then stops the controller (which leaves the group, so its tasks move at once). */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        offsets.close();
        controller.close();
    }
}
