package io.factnet.cli.request;

import io.factnet.cli.client.BrokerProbe;
import io.factnet.cli.client.ClientSettings;
import io.factnet.client.RequestClient;
import io.factnet.model.Request;
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

    int run(Request request, RequestClient.Wait wait, Duration timeout) {
        BrokerProbe.requireReachable(settings.bootstrapServers(), RequestClient.CONNECT_TIMEOUT);
        try (RequestClient client = new RequestClient(settings.kafkaWith(Map.of()), settings.registryClient(),
                settings.autoRegisterSchemas(), printer::warn)) {
            RequestClient.Exchange exchange = client.send(request, wait, timeout);
            if (exchange.result() == null) {
                printer.submitted(request, exchange.sent());
                return EXIT_ACCEPTED;
            }
            if (exchange.result().getStatus() == Status.REJECTED) {
                printer.rejected(exchange.result());
                return EXIT_REJECTED;
            }
            printer.accepted(exchange.result(), exchange.applied());
            return EXIT_ACCEPTED;
        }
    }
}
