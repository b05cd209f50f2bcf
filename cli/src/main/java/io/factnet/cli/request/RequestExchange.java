package io.factnet.cli.request;

import io.factnet.cli.client.ApiClient;
import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.client.RequestClient;
import io.factnet.client.Applied;
import io.factnet.model.Request;
import io.factnet.model.Result;
import java.util.List;
import io.factnet.model.Status;
import java.time.Duration;
import java.util.Map;

/**
 * {@code factnet request}'s one exchange: checks a broker listens, sends the request through
 * {@link RequestClient} (which also waits for what the user asked), prints what came of it and
 * chooses the exit code.
 */
final class RequestExchange {
    static final int EXIT_ACCEPTED = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_REJECTED = 2;

    private final ClientSettings settings;
    private final ResultPrinter printer;

    RequestExchange(ClientSettings settings, ResultPrinter printer) {
        this.settings = settings;
        this.printer = printer;
    }

    /** The same exchange through a gateway: the same output and exit codes; a call the gateway refuses is an error (1). */
    static int throughGateway(ApiClient api, ResultPrinter printer, Request request, boolean wait, Duration timeout) {
        ApiClient.Reply outcome = api.send(request, wait, timeout);
        if (outcome.result() == null) {
            printer.submittedThroughGateway(request, outcome.pollUrl());
            return EXIT_ACCEPTED;
        }
        return printResult(printer, outcome.result(), null);
    }

    private static int printResult(ResultPrinter printer, Result result, List<Applied> applied) {
        if (result.getStatus() == Status.REJECTED) {
            printer.rejected(result);
            return EXIT_REJECTED;
        }
        printer.accepted(result, applied);
        return EXIT_ACCEPTED;
    }

    int run(Request request, RequestClient.Wait wait, Duration timeout) {
        BrokerProbe.requireReachable(settings.bootstrapServers(), RequestClient.CONNECT_TIMEOUT);
        try (RequestClient client = new RequestClient(settings.kafkaWith(Map.of()), settings.registryClient(),
                settings.autoRegisterSchemas(), printer::warn)) {
            RequestClient.Exchange exchange = client.send(request, wait, timeout);
            if (exchange.result() == null) {
                printer.submitted(request, exchange.sent());
                return EXIT_ACCEPTED;
            }
            return printResult(printer, exchange.result(), exchange.applied());
        }
    }
}
