package io.factnet.cli.api;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The gateway's settings (docs/gateway.md).
 *
 * @param name               the gateway's name, written into every request's {@code requestedBy.gateway}
 * @param controllerUrl      the controller's HTTP API, where reads are forwarded
 * @param timeout            how long a call waits for its result before it is a 504 (the request stays in flight on Kafka)
 * @param inFlightPerProject requests of one project in flight at the gateway; past it, 429
 * @param maxBodyBytes       the largest body a call may have (413 beyond)
 * @param threads            calls handled at once (a waiting call holds one)
 * @param keepResults        results kept for the poll links
 * @param tlsCertificate     PEM certificate chain; with {@code tlsKey}, the port speaks TLS only
 * @param tlsKey             PEM private key (PKCS#8, unencrypted)
 */
public record GatewayConfig(String host, int port, String name, String controllerUrl, TokenVerifier.Settings tokens,
                            Duration timeout, int inFlightPerProject, int maxBodyBytes, int threads, int keepResults,
                            Path tlsCertificate, Path tlsKey) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_IN_FLIGHT = 8;
    /**
     * A SetInstanceMetadata at its limits fits (ADR 0033: 65535 bytes of user data, which JSON escapes grow, and 16 keys
     * of 16 KiB); it was 64 KiB, which refused user data near its limit. User data that is mostly control characters
     * (each \\u00XX, 6 bytes) can still be too large: such data belongs in a file the user data fetches.
     */
    public static final int DEFAULT_MAX_BODY = 512 * 1024;
    public static final int DEFAULT_THREADS = 64;
    public static final int DEFAULT_KEEP_RESULTS = 10_000;

    public GatewayConfig {
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate (--tls-certificate) and a key (--tls-key)");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("the gateway needs a name (--name)");
        }
        controllerUrl = controllerUrl.endsWith("/") ? controllerUrl.substring(0, controllerUrl.length() - 1) : controllerUrl;
    }

    boolean tls() {
        return tlsCertificate != null;
    }
}
