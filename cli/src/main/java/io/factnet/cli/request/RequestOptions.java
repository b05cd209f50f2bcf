package io.factnet.cli.request;

import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.client.RequestClient;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The envelope and delivery options that every request subcommand has besides its command's fields. */
final class RequestOptions {

    @Option(names = "--request-id", paramLabel = "<id>",
            description = "The request's id; resubmitting an id returns the first result and changes nothing. Default: a random UUID.")
    String requestId;

    @Option(names = "--wait", description = "Wait for the result: exit 0 when ACCEPTED, 2 when REJECTED (reason on stderr), 1 on errors.")
    boolean waitForResult;

    @Option(names = "--wait-applied", description = "As --wait, then wait until every node the request touched has applied it.")
    boolean waitApplied;

    @Option(names = "--timeout", paramLabel = "<duration>", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for the answer once the request is sent, e.g. 500ms, 10s, 2m or PT30S (reaching Kafka has its own 5 s). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--json", description = "Print one JSON object per result on stdout.")
    boolean json;

    @Option(names = "--api", paramLabel = "<url>", defaultValue = "${env:FACTNET_API_URL}",
            description = "Send through a factnet api gateway at this URL instead of Kafka, with the bearer token in the environment "
                    + "variable FACTNET_TOKEN (env FACTNET_API_URL). The Kafka options are then not used.")
    String api;

    @Option(names = "--token-file", paramLabel = "<file>", defaultValue = "${env:FACTNET_TOKEN_FILE}",
            description = "With --api: read the bearer token from this file instead of FACTNET_TOKEN (env FACTNET_TOKEN_FILE). "
                    + "A token is never an argument: the process list would show it.")
    java.nio.file.Path tokenFile;

    @Option(names = "--api-ca-certificate", paramLabel = "<pem>", defaultValue = "${env:FACTNET_API_CA_CERTIFICATE}",
            description = "PEM certificates to trust for an https gateway, e.g. its self-signed certificate (env FACTNET_API_CA_CERTIFICATE; "
                    + "default: the JDK's trust store).")
    java.nio.file.Path apiCaCertificate;

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    /** The bearer token for --api: the file's, else FACTNET_TOKEN's (null: none given). */
    String token() {
        if (tokenFile != null) {
            try {
                return java.nio.file.Files.readString(tokenFile).strip();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read the token file " + tokenFile + ": " + e.getMessage(), e);
            }
        }
        return System.getenv("FACTNET_TOKEN");
    }

    RequestClient.Wait waitMode() {
        if (waitApplied) {
            return RequestClient.Wait.APPLIED;
        }
        return waitForResult ? RequestClient.Wait.RESULT : RequestClient.Wait.NONE;
    }
}
