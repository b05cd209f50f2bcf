package io.factnet.cli;

import io.factnet.cli.api.Gateway;
import io.factnet.cli.api.GatewayConfig;
import io.factnet.cli.api.TokenVerifier;
import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.cli.request.DurationConverter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code factnet api}: the REST gateway for projects and operators (docs/gateway.md, ADR 0029) until stopped.
 * Every option has a {@code FACTNET_API_*} variable; the options win.
 */
@Command(name = "api", mixinStandardHelpOptions = true,
        description = {"Serve the REST API of projects and operators: each change a request on Kafka, answered with its result.",
                "Callers present bearer JWTs checked against the identity provider's JWKS (docs/gateway.md)."})
final class ApiCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    @Option(names = "--port", paramLabel = "PORT", description = "Port of the API (env FACTNET_API_PORT; default 8443 with TLS, else 8090; 0: any free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (env FACTNET_API_HOST; default 0.0.0.0).")
    String host;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The gateway's name, written into every request as requestedBy.gateway (env FACTNET_API_NAME; default api@<host name>).")
    String name;

    @Option(names = "--controller", paramLabel = "URL",
            description = "The controller's HTTP API, where reads go (env FACTNET_CONTROLLER_URL; default http://127.0.0.1:8080).")
    String controller;

    @Option(names = "--jwks", paramLabel = "FILE|URL", description = "The identity provider's JWKS: a file or an http(s) URL (env FACTNET_API_JWKS). Required.")
    String jwks;

    @Option(names = "--issuer", paramLabel = "ISS", description = "The tokens' required issuer, iss (env FACTNET_API_ISSUER). Required.")
    String issuer;

    @Option(names = "--audience", paramLabel = "AUD", description = "The tokens' required audience, aud (env FACTNET_API_AUDIENCE). Required.")
    String audience;

    @Option(names = "--project-claim", paramLabel = "CLAIM",
            description = "The claim naming the caller's project; a dotted path reaches into objects (env FACTNET_API_PROJECT_CLAIM; default project).")
    String projectClaim;

    @Option(names = "--roles-claim", paramLabel = "CLAIM",
            description = "The claim naming the roles (member, reader, admin): an array or a space-separated string; dotted path, e.g. "
                    + "realm_access.roles (env FACTNET_API_ROLES_CLAIM; default roles).")
    String rolesClaim;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a call waits for its result before a 504 (env FACTNET_API_TIMEOUT; default 30s).")
    Duration timeout;

    @Option(names = "--in-flight-per-project", paramLabel = "N",
            description = "Requests of one project in flight at this gateway; past it, 429 (env FACTNET_API_IN_FLIGHT_PER_PROJECT; default 8).")
    Integer inFlight;

    @Option(names = "--tls-certificate", paramLabel = "PEM", description = "PEM certificate chain: the port speaks TLS (env FACTNET_API_TLS_CERTIFICATE).")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "PEM PKCS#8 private key of the certificate (env FACTNET_API_TLS_KEY).")
    Path tlsKey;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        ClientSettings settings = client.settings(env);
        GatewayConfig config = config(env);
        BrokerProbe.requireReachable(settings.bootstrapServers(), Duration.ofSeconds(5));
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped untilStopped = new UntilStopped()) {
            try (Gateway gateway = Gateway.start(config, settings.kafkaWith(Map.of()), settings.registryClient(),
                    settings.autoRegisterSchemas())) {
                out.printf("factnet api %s: listening on %s (reads from %s); Ctrl-C stops%n", config.name(), gateway.url(), config.controllerUrl());
                out.flush();
                untilStopped.await();
            }
            out.println("factnet api " + config.name() + " stopped");
            out.flush();
        }
        return 0;
    }

    GatewayConfig config(Map<String, String> env) {
        boolean tls = or(tlsCertificate, env, "FACTNET_API_TLS_CERTIFICATE") != null;
        String certificate = or(tlsCertificate, env, "FACTNET_API_TLS_CERTIFICATE");
        String key = or(tlsKey, env, "FACTNET_API_TLS_KEY");
        TokenVerifier.Settings tokens = new TokenVerifier.Settings(or(jwks, env, "FACTNET_API_JWKS"), or(issuer, env, "FACTNET_API_ISSUER"),
                or(audience, env, "FACTNET_API_AUDIENCE"), orDefault(projectClaim, env, "FACTNET_API_PROJECT_CLAIM", "project"),
                orDefault(rolesClaim, env, "FACTNET_API_ROLES_CLAIM", "roles"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        return new GatewayConfig(orDefault(host, env, "FACTNET_API_HOST", "0.0.0.0"),
                Integer.parseInt(orDefault(port, env, "FACTNET_API_PORT", tls ? "8443" : "8090")),
                orDefault(name, env, "FACTNET_API_NAME", "api@" + hostName()),
                orDefault(controller, env, "FACTNET_CONTROLLER_URL", "http://127.0.0.1:8080"), tokens,
                timeout != null ? timeout : env.containsKey("FACTNET_API_TIMEOUT") ? new DurationConverter().convert(env.get("FACTNET_API_TIMEOUT"))
                        : GatewayConfig.DEFAULT_TIMEOUT,
                Integer.parseInt(orDefault(inFlight, env, "FACTNET_API_IN_FLIGHT_PER_PROJECT", String.valueOf(GatewayConfig.DEFAULT_IN_FLIGHT))),
                GatewayConfig.DEFAULT_MAX_BODY, GatewayConfig.DEFAULT_THREADS, GatewayConfig.DEFAULT_KEEP_RESULTS,
                certificate == null ? null : Path.of(certificate), key == null ? null : Path.of(key));
    }

    /** The option, else the variable; a variable set to nothing is unset (compose's {@code ${X:-}}). */
    private static String or(Object option, Map<String, String> env, String variable) {
        String value = option != null ? option.toString() : env.get(variable);
        return value == null || value.isBlank() ? null : value;
    }

    private static String orDefault(Object option, Map<String, String> env, String variable, String fallback) {
        String value = or(option, env, variable);
        return value == null ? fallback : value;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
