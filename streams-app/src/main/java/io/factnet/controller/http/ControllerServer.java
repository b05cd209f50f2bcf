package io.factnet.controller.http;

import io.factnet.controller.Controller;
import io.factnet.controller.ControllerConfig;
import io.factnet.http.HttpService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
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

    private final HttpService http;
    private final Controller controller;
    private final NodeOffsets offsets;
    private final String advertised;

    private ControllerServer(HttpService http, Controller controller, NodeOffsets offsets, String advertised) {
        this.http = http;
        this.controller = controller;
        this.offsets = offsets;
        this.advertised = advertised;
    }

    public static ControllerServer start(ControllerConfig config) {
        // the API's bounds (threads, connections, idle timeout): HttpService.Limits.API, ADR 0023
        HttpService http = HttpService.bind("the controller's HTTP API", config.http().host(), config.http().port(), HttpService.Limits.API);
        try {
            String advertised = advertised(config, http.address());
            Controller controller = Controller.start(config.withApplicationServer(advertised));
            NodeOffsets offsets = null;
            try {
                offsets = new NodeOffsets(config.adminProperties());
                QueryRouter router = new QueryRouter(controller.stores(), HostInfo.buildFromEndpoint(advertised));
                http.serve(new ApiHandler(controller, router, new ControllerMetrics(controller, router.local(), offsets), offsets));
                log.info("controller {} serves its HTTP API on {}:{} (others reach it at {})", config.applicationId(),
                        config.http().host(), http.address().getPort(), advertised);
                return new ControllerServer(http, controller, offsets, advertised);
            } catch (RuntimeException e) {
                if (offsets != null) {
                    offsets.close();
                }
                controller.close();
                throw e;
            }
        } catch (RuntimeException e) {
            http.close();
            throw e;
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

    public Controller controller() {
        return controller;
    }

    /** The bound address, e.g. to build a URL when port 0 picked a free port. */
    public InetSocketAddress address() {
        return http.address();
    }

    /** The {@code host:port} other instances route queries to. */
    public String advertised() {
        return advertised;
    }

    /** Stops serving, then stops the controller (which leaves the group, so its tasks move at once). */
    @Override
    public void close() {
        http.close();
        offsets.close();
        controller.close();
    }
}
