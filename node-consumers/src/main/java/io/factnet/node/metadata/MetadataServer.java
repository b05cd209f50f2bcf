package io.factnet.node.metadata;

import io.factnet.http.HttpService;
import io.factnet.node.runtime.KafkaAgents;
import io.factnet.registry.SchemaRegistryClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * {@code factnet metadata}: the instances' metadata service (ADR 0033), the facts read by a {@link MetadataFeed} and
 * answered by a {@link MetadataRoute} on factnet's bounded HTTP server: a request must arrive whole within 5 s of the
 * connection's opening and a silent connection is closed after 5 s, so a half-open or dripping client holds no thread.
 */
public final class MetadataServer implements AutoCloseable {
    /** The port nova's metadata API listened on. */
    public static final int DEFAULT_PORT = 8775;
    public static final HttpService.Limits LIMITS = new HttpService.Limits(8, 256, Duration.ofSeconds(5), Duration.ofSeconds(5), 8192);

    private final MetadataFeed feed;
    private final HttpService http;

    private MetadataServer(MetadataFeed feed, HttpService http) {
        this.feed = feed;
        this.http = http;
    }

    public static MetadataServer start(Map<String, Object> clientConfig, SchemaRegistryClient registry, String host, int port,
                                       String availabilityZone) {
        MetadataFacts facts = new MetadataFacts();
        MetadataFeed feed = new MetadataFeed(KafkaAgents.replayConsumer(clientConfig, "factnet-metadata"), registry, facts);
        HttpService http;
        try {
            http = HttpService.bind("the metadata service", host, port, LIMITS);
        } catch (RuntimeException e) {
            feed.close();
            throw e;
        }
        feed.start();
        http.serve(new MetadataRoute(facts, feed::ready, availabilityZone));
        return new MetadataServer(feed, http);
    }

    public InetSocketAddress address() {
        return http.address();
    }

    public boolean ready() {
        return feed.ready();
    }

    public java.util.Optional<Throwable> crash() {
        return feed.crash();
    }

    @Override
    public void close() {
        http.close();
        feed.close();
    }
}
