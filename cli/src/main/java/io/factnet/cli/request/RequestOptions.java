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

    @Mixin
    KafkaClientOptions client = new KafkaClientOptions();

    RequestClient.Wait waitMode() {
        if (waitApplied) {
            return RequestClient.Wait.APPLIED;
        }
        return waitForResult ? RequestClient.Wait.RESULT : RequestClient.Wait.NONE;
    }
}
