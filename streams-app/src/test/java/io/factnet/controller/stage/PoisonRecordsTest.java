package io.factnet.controller.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.registry.SchemaRegistryException;
import io.factnet.serde.BadRecordException;
import java.net.ConnectException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.errors.internals.FailedProcessingException;
import org.junit.jupiter.api.Test;

class PoisonRecordsTest {
    private final PoisonRecords poison = new PoisonRecords();
    private final PoisonRecords.Where at = new PoisonRecords.Where("factnet.requests", 2, 41);

    @Test
    void aRecordThatFailsTwiceTheSameWayIsSkippedAndTheFailureNamed() {
        IllegalStateException bug = new IllegalStateException("bug\nwith a newline");
        poison.failed(at, new FailedProcessingException("project-stage", bug));
        assertThat(poison.toSkip(at)).as("once may be chance").isNull();
        poison.failed(at, new StreamsException("Exception caught in process", new FailedProcessingException("project-stage", bug)));
        PoisonRecords.Failure failure = poison.toSkip(at);
        assertThat(failure.times()).isEqualTo(2);
        assertThat(failure.describe()).isEqualTo("java.lang.IllegalStateException: \"bug\\u000awith a newline\"");
        assertThat(poison.toSkip(new PoisonRecords.Where("factnet.requests", 2, 42))).isNull();
        poison.skipped(at);
        assertThat(poison.skippedCount()).isEqualTo(1);
    }

    @Test
    void aSkippedRecordIsSkippedAgainWhenItsTransactionIsAbortedAndCountedOnce() {
        // Two poison records in one transaction: the first is skipped, the second kills the thread, the transaction
        // (with the first one's dead letter) is aborted and the replaced thread reads both again.
        IllegalStateException bug = new IllegalStateException("bug");
        poison.failed(at, bug);
        poison.failed(at, bug);
        poison.skipped(at);
        assertThat(poison.toSkip(at)).as("read again after the abort: skipped, not tried twice more").isNotNull();
        poison.skipped(at);
        assertThat(poison.skippedCount()).isEqualTo(1);
    }

    @Test
    void anErrorCountsLikeAnExceptionAndAnotherFailureStartsOver() {
        poison.failed(at, new OutOfMemoryError("Java heap space"));
        poison.failed(at, new IllegalArgumentException("other"));
        assertThat(poison.toSkip(at)).as("two different failures").isNull();
        poison.failed(at, new IllegalArgumentException("other again"));
        assertThat(poison.toSkip(at).errorClass()).isEqualTo(IllegalArgumentException.class.getName());
    }

    @Test
    void aSuccessForgetsAnEarlierFailure() {
        poison.failed(at, new SerializationException("too large"));
        poison.succeeded(at);
        poison.failed(at, new SerializationException("too large"));
        assertThat(poison.toSkip(at)).isNull();
    }

    @Test
    void failuresThatSayNothingAboutTheRecordAreNeverCounted() {
        Throwable registryDown = new BadRecordException("factnet.requests", 2, 41, new SerializationException("no answer",
                new SchemaRegistryException("unreachable", new ConnectException("refused"))));
        for (Throwable failure : new Throwable[] {registryDown, new StreamsException(registryDown),
                new TaskMigratedException("moved"), new StreamsException(new TimeoutException("broker")),
                new StreamsException("Error encountered sending record to topic factnet.results", new RecordTooLargeException("big"))}) {
            poison.failed(at, failure);
            poison.failed(at, failure);
            assertThat(poison.toSkip(at)).as(failure.toString()).isNull();
            assertThat(poison.blamesARecord(failure)).isFalse();
        }
        Throwable unknownId = new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "not found");
        assertThat(PoisonRecords.saysNothingAboutTheRecord(unknownId)).isFalse();
    }

    @Test
    void aThreadsDeathIsBlamedOnARecordOnlyForTheFailureCountedHere() {
        IllegalStateException bug = new IllegalStateException("bug");
        FailedProcessingException counted = new FailedProcessingException("project-stage", bug);
        poison.failed(at, counted);
        assertThat(poison.blamesARecord(new StreamsException("task 0_2 failed", counted))).isTrue();
        assertThat(poison.blamesARecord(new IllegalStateException("bug"))).as("another object").isFalse();
    }

    @Test
    void itRemembersABoundedNumberOfRecords() {
        for (int offset = 0; offset <= PoisonRecords.CAPACITY; offset++) {
            PoisonRecords.Where where = new PoisonRecords.Where("t", 0, offset);
            poison.failed(where, new IllegalStateException());
            poison.failed(where, new IllegalStateException());
        }
        assertThat(poison.toSkip(new PoisonRecords.Where("t", 0, 0))).as("the eldest is forgotten").isNull();
        assertThat(poison.toSkip(new PoisonRecords.Where("t", 0, PoisonRecords.CAPACITY))).isNotNull();
    }
}
