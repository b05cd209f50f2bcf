package io.factnet.reliability.read;

import io.factnet.model.Result;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.corpus.CorpusPlayer;
import io.factnet.reliability.load.RequestKey;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows {@code factnet.results} from the beginning (read_committed) and answers "what was the result of
 * this request": for the corpus's setup, and for load generators that learn from results in rounds. It
 * polls only while a caller waits, in the caller's thread. Results of a request id sent twice are kept in order.
 */
public final class ResultFollower implements CorpusPlayer.Answers, AutoCloseable {
    private final TopicReader reader;
    private final SchemaRegistryClient registry;
    private final Map<RequestKey, List<Result>> results = new HashMap<>();
    private final List<Decoded<Result>> all = new ArrayList<>();
    /** How many results were read: other threads watch it (a fault is injected after so many results). */
    private final java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();

    public ResultFollower(String bootstrapServers, SchemaRegistryClient registry) {
        this.reader = new TopicReader(bootstrapServers, List.of(Topics.RESULTS.name()));
        this.registry = registry;
    }

    /** The first result of the request, waiting for it up to the timeout. */
    @Override
    public Result await(RequestKey key, Duration timeout) {
        return await(key, 1, timeout).get(0);
    }

    /** The first {@code count} results of the request (one per send), waiting for them up to the timeout. */
    public List<Result> await(RequestKey key, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (results.getOrDefault(key, List.of()).size() < count) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("no result for " + key + " within " + timeout + " (" 
                        + results.getOrDefault(key, List.of()).size() + " of " + count + "; is the controller running?)");
            }
            pollOnce(Duration.ofMillis(100));
        }
        return List.copyOf(results.get(key).subList(0, count));
    }

    /** Reads what has arrived; every result read is kept (see {@link #all()}). */
    public void pollOnce(Duration timeout) {
        for (Decoded<Result> result : TopicSnapshot.decode(Topics.RESULTS, registry, reader.poll(timeout))) {
            all.add(result);
            read.incrementAndGet();
            if (result.readable() && result.value() != null) {
                results.computeIfAbsent(RequestKey.of(result.value()), k -> new ArrayList<>()).add(result.value());
            }
        }
    }

    /** How many results were read so far; safe to call from any thread. */
    public int readCount() {
        return read.get();
    }

    /** Every result read so far, readable or not, in the order read. */
    public List<Decoded<Result>> all() {
        return List.copyOf(all);
    }

    @Override
    public void close() {
        reader.close();
    }
}
