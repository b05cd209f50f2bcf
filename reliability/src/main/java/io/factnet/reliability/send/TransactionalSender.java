package io.factnet.reliability.send;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exactly-once producer that rides out a broker crash: each batch is one transaction; a commit
 * that times out (the broker is down) is retried until it goes through, since its outcome is only
 * known once it does; a transaction that fails otherwise is aborted and the same records are sent
 * again in a new one (an aborted transaction is invisible to read_committed readers). Only when the
 * producer itself fails fatally while committing is a batch's outcome unknown; it is reported so,
 * never resent, and a new producer takes over. Records are bytes: the load's requests and the
 * corpus's bad records go through the same path.
 */
public final class TransactionalSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalSender.class);

    public enum Delivery { COMMITTED, UNKNOWN }

    /** What happened to one batch: its records with their offsets when committed; attempts = transactions tried. */
    public record Batch(Delivery outcome, List<Sent> sent, int attempts, long committedAtMillis) {
    }

    private final Map<String, Object> config;
    private final Duration patience;
    private KafkaProducer<byte[], byte[]> producer;

    /**
     * @param patience how long one batch may take through outages before the sender gives up (and the run fails)
     */
    public TransactionalSender(String bootstrapServers, String transactionalId, Duration patience) {
        this.patience = patience;
        this.config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.CLIENT_ID_CONFIG, "chaos-" + transactionalId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // short blocking calls: the retry loop here decides how long to keep trying, and logs it
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000,
                // the corpus sends 1 MB strings
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        this.producer = newProducer();
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        long deadline = System.nanoTime() + patience.toNanos();
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        while (true) {
            try {
                created.initTransactions(); // also settles the previous producer's open transaction
                return created;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    created.close(Duration.ZERO);
                    throw new GaveUpException("cannot initialise transactions within " + patience, e);
                }
                log.info("initTransactions timed out (broker down?); retrying");
            }
        }
    }

    /** Sends the records in one transaction; returns when it committed (or its outcome became unknown). */
    public Batch send(List<Outgoing> records) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (int attempt = 1; ; attempt++) {
            List<Future<RecordMetadata>> futures = new ArrayList<>(records.size());
            try {
                producer.beginTransaction();
                for (Outgoing record : records) {
                    futures.add(producer.send(new ProducerRecord<>(record.topic(), record.key(), record.value())));
                }
                commit(deadline);
                long committedAt = System.currentTimeMillis();
                List<Sent> sent = new ArrayList<>(records.size());
                for (int i = 0; i < records.size(); i++) {
                    RecordMetadata where = futures.get(i).get();
                    sent.add(new Sent(records.get(i), where.partition(), where.offset(), committedAt));
                }
                return new Batch(Delivery.COMMITTED, sent, attempt, committedAt);
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException | IllegalStateException e) {
                log.warn("producer failed fatally ({}); the batch's outcome is unknown, a new producer takes over", e.toString());
                replaceProducer();
                return new Batch(Delivery.UNKNOWN, List.of(), attempt, 0);
            } catch (KafkaException e) {
                log.info("transaction attempt {} failed ({}); aborting and sending the batch again", attempt, e.toString());
                if (!abort(deadline)) {
                    replaceProducer();
                    return new Batch(Delivery.UNKNOWN, List.of(), attempt, 0);
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("a record of a committed transaction has no metadata", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending", e);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new GaveUpException("a batch of " + records.size() + " records could not be committed within " + patience, null);
            }
        }
    }

    /** Commits, retrying while it times out: after a timeout the outcome is known only once a retry returns. */
    private void commit(long deadline) {
        while (true) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new GaveUpException("commit did not complete within " + patience, e);
                }
                log.info("commit timed out (broker down?); retrying the commit");
            }
        }
    }

    /** Aborts, retrying timeouts; false when the producer cannot abort (it failed fatally). */
    private boolean abort(long deadline) {
        while (true) {
            try {
                producer.abortTransaction();
                return true;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
            } catch (KafkaException | IllegalStateException e) {
                log.warn("abort failed: {}", e.toString());
                return false;
            }
        }
    }

    private void replaceProducer() {
        producer.close(Duration.ZERO);
        producer = newProducer();
    }

    /** The broker did not come back within the sender's patience: the run has failed. */
    public static final class GaveUpException extends RuntimeException {
        GaveUpException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
