package io.factnet.cli.bench;

import io.factnet.model.Request;
import java.util.List;

/**
 * One half of {@code factnet bench}, run on the same broker with the same settings and requests.
 * {@link BaselineBench} moves the requests' bytes through raw Kafka. The factnet half (issue 5,
 * after the controller of issue 3 and the agents of issue 4) implements this too: it sends
 * {@code requests} to the controller's topology with exactly_once_v2, measures request-to-result
 * (and request-to-applied with a routing and an addressing agent in render mode) under labelled
 * latencies, and {@link BenchCommand} then prints the ratio to the baseline.
 */
public interface BenchRun {

    BenchResult run(BenchSettings settings, String bootstrapServers, List<Request> requests) throws Exception;
}
