package io.factnet.controller.stage;

import io.factnet.topics.NodeKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The unit of work of one input record: store writes and output records are buffered here and only
 * reach the stores and the children at {@link #commit}. A handler that refuses a request (or fails
 * with a bug) is rolled back to a {@link #savepoint()}, so a half-done change never lands: the
 * exactly-once transaction then covers a consistent set of store writes and outputs.
 */
public final class Tx {
    private final List<TxStore<?>> stores = new ArrayList<>();
    final List<TxStore.Undo> journal = new ArrayList<>();
    private final List<Output> outbox = new ArrayList<>();

    /** One output record: to which child, with which key and value (null: tombstone). */
    public record Output(String child, String key, Object value, String requestId) {
    }

    public record Savepoint(int journalSize, int outboxSize) {
    }

    /** The savepoint of an empty unit of work: {@code outputsSince(START)} is everything pending. */
    public static final Savepoint START = new Savepoint(0, 0);

    public <V> TxStore<V> store(KeyValueStore<String, V> store) {
        TxStore<V> tx = new TxStore<>(this, store);
        stores.add(tx);
        return tx;
    }

    public void emit(String child, String key, Object value) {
        outbox.add(new Output(child, key, value, null));
    }

    /** An output that carries the request id in a header, for records whose value may be null. */
    public void emit(String child, String key, Object value, String requestId) {
        outbox.add(new Output(child, key, value, requestId));
    }

    public Savepoint savepoint() {
        return new Savepoint(journal.size(), outbox.size());
    }

    public void rollbackTo(Savepoint savepoint) {
        for (int i = journal.size() - 1; i >= savepoint.journalSize(); i--) {
            journal.remove(i).undo();
        }
        outbox.subList(savepoint.outboxSize(), outbox.size()).clear();
    }

    /** Outputs since a savepoint (to see what a handler emitted). */
    public List<Output> outputsSince(Savepoint savepoint) {
        return List.copyOf(outbox.subList(savepoint.outboxSize(), outbox.size()));
    }

    /** Writes the buffered changes to the stores and forwards the outputs, in order. */
    public void commit(ProcessorContext<String, Object> context, long timestamp) {
        for (TxStore<?> store : stores) {
            store.flush();
        }
        for (Output output : outbox) {
            RecordHeaders headers = new RecordHeaders();
            if (output.requestId() != null) {
                headers.add(NodeKeys.REQUEST_ID_HEADER, output.requestId().getBytes(StandardCharsets.UTF_8));
            }
            context.forward(new Record<>(output.key(), output.value(), timestamp, headers), output.child());
        }
        discard();
    }

    public void discard() {
        for (TxStore<?> store : stores) {
            store.clearBuffer();
        }
        journal.clear();
        outbox.clear();
    }
}
