package io.factnet.controller.stage;

import io.factnet.registry.SchemaRegistryException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

/**
 * Input records whose processing failed, by where they are (topic, partition, offset), so that no record can
 * stop its partition. A failure that escapes a record's processing (a bug outside the handlers' guard, a
 * record too large to write, an {@link Error} such as OutOfMemoryError) kills the stream thread; the
 * exactly-once transaction is aborted and the replaced thread reads the same record again. The decode stage
 * records each such failure here and, when a record has failed twice the same way (the same error class), it
 * sends the record to the dead letters instead of processing it a third time: a deterministic failure is
 * skipped after one confirmation, a one-off one is retried. The dead letter is written in the transaction
 * that commits the offset, so it is neither lost nor doubled.
 * <p>
 * Failures that say nothing about the record are not counted: the registry giving no answer, errors a broker
 * or the producer reported (possibly for an earlier record's send), a task that moved or was fenced, an interrupt. Such a record is retried however often
 * it fails. One instance per controller, shared by its threads and kept across thread replacements; it
 * remembers the last {@value #CAPACITY} failed records (a record seen again after a restart may fail twice more).
 */
public final class PoisonRecords {
    static final int CAPACITY = 1024;
    /** The number of identical failures after which a record is skipped. */
    public static final int FAILURES_TO_SKIP = 2;

    /** Where a record is: topic, partition, offset. */
    public record Where(String topic, int partition, long offset) {
        @Override
        public String toString() {
            return topic + "-" + partition + " offset " + offset;
        }
    }

    /** How a record failed, and how many times in a row the same way. */
    public record Failure(String errorClass, String message, int times, boolean skipped) {
        Failure asSkipped() {
            return new Failure(errorClass, message, times, true);
        }

        /** For a dead letter or a log line: the class and the (escaped, shortened) message. */
        public String describe() {
            return errorClass + ": " + Check.quote(message);
        }
    }

    private final Map<Where, Failure> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Where, Failure> eldest) {
            return size() > CAPACITY;
        }
    };
    /** The failures counted last (the same objects), to tell a thread's death blamed on a record from any other. */
    private final Deque<Throwable> counted = new ArrayDeque<>();
    private final LongAdder skipped = new LongAdder();
    private volatile boolean empty = true;

    /** The failure to skip the record for: it failed {@value #FAILURES_TO_SKIP} times the same way; else null. */
    public Failure toSkip(Where where) {
        if (empty) {
            return null; // the common case, without taking the lock
        }
        synchronized (this) {
            Failure failure = failures.get(where);
            return failure != null && failure.times() >= FAILURES_TO_SKIP ? failure : null;
        }
    }

    /** Records that processing the record failed; failures that say nothing about the record are ignored. */
    public synchronized void failed(Where where, Throwable failure) {
        if (saysNothingAboutTheRecord(failure)) {
            return;
        }
        Throwable root = root(failure);
        String errorClass = root.getClass().getName();
        Failure before = failures.get(where);
        int times = before != null && before.errorClass().equals(errorClass) ? before.times() + 1 : 1;
        failures.put(where, new Failure(errorClass, String.valueOf(root.getMessage()), times, false));
        empty = false;
        counted.addLast(failure);
        if (counted.size() > 16) {
            counted.removeFirst();
        }
    }

    /**
     * Whether a stream thread's death was blamed on a record here (the failure, or one it is wrapped in): such
     * deaths end by themselves, the record is skipped after its second; any other death may repeat for ever.
     */
    public synchronized boolean blamesARecord(Throwable death) {
        for (Throwable t = death; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Throwable failure : counted) {
                if (failure == t) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The record was processed: whatever failed before was not the record's fault. */
    public void succeeded(Where where) {
        if (empty) {
            return;
        }
        synchronized (this) {
            failures.remove(where);
            empty = failures.isEmpty();
        }
    }

    /**
     * Counts a record sent to the dead letters instead of being processed again. The record stays known as one to
     * skip: its dead letter is only written if the transaction commits, and a later record of the same transaction
     * may kill the thread first (two poison records in a row), so the replaced thread must skip it again, not give it
     * two more tries. Counted once however often it is skipped.
     */
    public void skipped(Where where) {
        synchronized (this) {
            Failure failure = failures.get(where);
            if (failure != null && failure.skipped()) {
                return;
            }
            if (failure != null) {
                failures.put(where, failure.asSkipped());
            }
        }
        skipped.increment();
    }

    /** Records skipped since the controller started (for {@code /metrics}). */
    public long skippedCount() {
        return skipped.sum();
    }

    /**
     * A registry without an answer, an error a broker or the producer reported (Kafka's {@link ApiException}s: they
     * may be about an earlier record's send, reported while this one is processed), a moved or fenced task, an
     * interrupt: retry, never skip.
     */
    static boolean saysNothingAboutTheRecord(Throwable failure) {
        if (SchemaRegistryException.unavailableIn(failure)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiException || t instanceof TaskMigratedException || t instanceof TaskCorruptedException
                    || t instanceof InterruptedException || t instanceof InterruptException) {
                return true;
            }
        }
        return false;
    }

    /** The failure under Kafka Streams' wrappers (a processing handler wraps what a processor threw). */
    public static Throwable root(Throwable failure) {
        Throwable t = failure;
        while (t instanceof StreamsException && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
