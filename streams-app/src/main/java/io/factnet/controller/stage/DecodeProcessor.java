package io.factnet.controller.stage;

import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.model.DeadLetter;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a source's raw value with the registry serde. A record that cannot be read (not Confluent wire
 * format, unknown schema id, truncated, declaring more than it holds, a tombstone where none belongs) becomes
 * a {@link DeadLetter} with its bytes, where it was and why; it goes to the dead-letter child in the same
 * exactly-once transaction, and processing goes on with the next record.
 * <p>
 * Every record's processing runs below this node, so it is also where {@link PoisonRecords} sees a failure
 * escape (and lets it go on to kill the thread, which aborts the transaction), and where a record that failed
 * twice the same way is dead-lettered instead of being processed again; a request skipped so gets a REJECTED
 * INTERNAL result. A registry without an answer is retried here for a few seconds, then left to the thread's
 * replacement to read again: such a record is never a dead letter.
 * <p>
 * First of all it skips a record that the stage's state says was processed already ({@link InputPositions}).
 */
public final class DecodeProcessor<V> implements Processor<byte[], byte[], String, Object> {
    private static final Logger log = LoggerFactory.getLogger(DecodeProcessor.class);
    /**
     * Retrying a registry without an answer in place: backoff from 50 ms, doubling to 1 s, for at most 3 s in all,
     * well within the transaction timeout Kafka Streams gives exactly-once producers (10 s).
     */
    static final long FIRST_BACKOFF_MS = 50;
    static final long MAX_BACKOFF_MS = 1_000;
    static final long RETRY_BUDGET_MS = 3_000;

    private final RecordDecoder<V> decoder;
    private final String next;
    private final String deadLetters;
    private final PoisonRecords poison;
    private final String positionsStore;
    private final InputPositions.Replays replays;
    private InputPositions positions;
    private String results;
    private RequestOutcomes outcomes;
    private ProcessorContext<String, Object> context;
    /** The adaptive commit's pacers (ADR 0045), or null: commits every commit.interval.ms. */
    private ThreadLocal<CommitPacer> pacers;
    private Duration tick;
    /** The pacer's generation of this node's last record (none yet: -1), and when it was processed. */
    private long dirtyGeneration = -1;
    private long lastProcessedNanos;

    /** {@code positionsStore}: the stage's store of {@link InputPositions}; records at or below them are skipped. */
    public DecodeProcessor(Deserializer<V> deserializer, String next, String deadLetters, PoisonRecords poison,
                           String positionsStore, InputPositions.Replays replays) {
        this.decoder = new RecordDecoder<>(deserializer);
        this.next = next;
        this.deadLetters = deadLetters;
        this.poison = poison;
        this.positionsStore = positionsStore;
        this.replays = replays;
    }

    /** A request skipped for failing twice gets its one result (REJECTED INTERNAL) on this sink, counted in outcomes. */
    public DecodeProcessor<V> answeringSkippedRequests(String resultsSink, RequestOutcomes requestOutcomes) {
        this.results = resultsSink;
        this.outcomes = requestOutcomes;
        return this;
    }

    /**
     * Paces the commits of this node's task (ADR 0045): every {@code tick} it asks its thread's pacer whether to
     * commit now. Every input of a stage passes a decode node, so every task with work has a node that asks.
     */
    public DecodeProcessor<V> pacedBy(ThreadLocal<CommitPacer> commitPacers, Duration quickTick) {
        this.pacers = commitPacers;
        this.tick = quickTick;
        return this;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.positions = new InputPositions(context.getStateStore(positionsStore), replays);
        if (pacers != null) {
            context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (pacers.get().commitNow(dirtyGeneration, lastProcessedNanos, System.nanoTime())) {
                    context.commit();
                }
            });
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (pacers == null) {
            processTimed(record);
            return;
        }
        long start = System.nanoTime();
        try {
            processTimed(record);
        } finally {
            lastProcessedNanos = System.nanoTime();
            dirtyGeneration = pacers.get().processed(start, lastProcessedNanos);
        }
    }

    private void processTimed(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        if (positions.alreadyProcessed(meta)) {
            return;
        }
        PoisonRecords.Where where = new PoisonRecords.Where(meta.topic(), meta.partition(), meta.offset());
        PoisonRecords.Failure known = poison.toSkip(where);
        if (known != null) {
            skip(record, where, known);
            return;
        }
        try {
            decodeAndForward(record, where);
            poison.succeeded(where);
        } catch (Throwable failure) { // an Error too: it is recorded, then rethrown untouched to end the thread
            poison.failed(where, failure);
            throw failure;
        }
    }

    private void decodeAndForward(Record<byte[], byte[]> record, PoisonRecords.Where where) {
        V value;
        String key;
        try {
            if (record.value() == null) {
                throw new BadRecordException(where.topic(), where.partition(), where.offset(),
                        new IllegalArgumentException("a tombstone (null value) is not a " + next + " input"));
            }
            key = utf8(where, record.key());
            value = decodeRetryingTheRegistry(record.value(), where);
        } catch (BadRecordException e) {
            if (e.retriable()) {
                throw e; // the registry gave no answer: the thread is replaced and reads the record again
            }
            log.warn("dead letter: {}", e.getMessage());
            deadLetter(record, where, e.getMessage());
            return;
        }
        context.forward(new Record<String, Object>(key, value, record.timestamp(), record.headers()), next);
    }

    /** Decodes; while the registry gives no answer, retries with backoff, then throws (the record is not at fault). */
    private V decodeRetryingTheRegistry(byte[] bytes, PoisonRecords.Where where) {
        long deadline = System.nanoTime() + RETRY_BUDGET_MS * 1_000_000;
        long backoff = FIRST_BACKOFF_MS;
        while (true) {
            try {
                return decoder.decode(where.topic(), where.partition(), where.offset(), bytes);
            } catch (BadRecordException e) {
                if (!e.retriable()) {
                    throw e;
                }
                if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                    log.warn("{}: the schema registry gave no answer for {} ms; the record is read again after the "
                            + "stream thread is replaced: {}", where, RETRY_BUDGET_MS, e.getMessage());
                    throw e;
                }
                pause(backoff);
                backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // backoff between calls to a registry that gave no answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.apache.kafka.common.errors.InterruptException(e);
        }
    }

    /** Dead-letters a record that failed twice the same way, and answers it if it is a request. */
    private void skip(Record<byte[], byte[]> record, PoisonRecords.Where where, PoisonRecords.Failure failure) {
        String error = "processing failed " + failure.times() + " times at this offset (" + failure.describe()
                + "); skipped so that the partition goes on";
        log.error("dead letter: {} at {}", error, where);
        deadLetter(record, where, error);
        poison.skipped(where);
        if (results == null || record.value() == null) {
            return;
        }
        try {
            if (decoder.decode(where.topic(), where.partition(), where.offset(), record.value()) instanceof Request request
                    && Check.REQUEST_ID.matcher(request.getRequestId()).matches()) {
                Result result = Results.askedBy(Results.of(request.getRequestId(), request.getProject(), Results.commandName(request.getCommand()),
                        Reason.INTERNAL, "internal error: the controller failed on this request twice ("
                                + failure.describe() + "); it was not applied", Instant.ofEpochMilli(context.currentSystemTimeMs())), request);
                outcomes.record(result);
                context.forward(new Record<String, Object>(request.getRequestId(), result, record.timestamp()), results);
            }
        } catch (BadRecordException e) {
            log.warn("skipped record at {} not answered: {}", where, e.getMessage());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, PoisonRecords.Where where, String error) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setTopic(where.topic()).setPartition(where.partition()).setOffset(where.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setError(error)
                .setAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .build();
        String key = where.topic() + "-" + where.partition() + "-" + where.offset();
        context.forward(new Record<String, Object>(key, letter, record.timestamp()), deadLetters);
    }

    /** Keys are plain UTF-8 strings; bytes that are not UTF-8 make the record a dead letter. */
    private static String utf8(PoisonRecords.Where where, byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRecordException(where.topic(), where.partition(), where.offset(),
                    new IllegalArgumentException("the key is not UTF-8"));
        }
    }
}
