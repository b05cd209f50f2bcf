package io.factnet.node.runtime;

import io.factnet.node.exec.StateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last complete desired state this node applied, kept in a file of its state folder, so that an
 * agent that restarts while it cannot read its topic whole (registry down or lost a schema, corrupt
 * record, Kafka away) enforces that state instead of an empty one (ADR 0022). The file holds what
 * the role topic holds for this node, nothing more (no WireGuard private key: desired entries carry
 * public keys only), as an Avro object container: the writer's schema is in the file, so an agent of a
 * later version reads it without the registry. Written atomically (a temporary file renamed over the
 * old one), mode 0600, in a folder of its own that is made private (0700).
 */
public final class LastGoodState<V extends SpecificRecord> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LastGoodState.class);
    private static final String OFFSET = "factnet.applied-offset";

    private final Path file;
    private final Class<V> type;
    private final Schema schema;
    /** The state {@link #saveLater} was given last and no writer has taken yet. */
    private final AtomicReference<Snapshot<V>> pending = new AtomicReference<>();
    private ExecutorService writer;
    /** A write in progress (or queued): the agent hands over its next state when it ends. */
    private final java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();

    /** The state up to {@code offset} of the node's partition: every record of the node up to it, read. */
    public record Snapshot<V>(long offset, SortedMap<String, V> entries) {
        /** @param entries not changed after: the agent's snapshots are copies already */
        public Snapshot {
            entries = Collections.unmodifiableSortedMap(entries);
        }
    }

    public LastGoodState(Path file, Class<V> type) {
        this.file = file;
        this.type = type;
        Schema entry = SpecificData.get().getSchema(type);
        this.schema = SchemaBuilder.record("LastGoodEntry").namespace("io.factnet.node.state").fields()
                .requiredString("resource").name("entry").type(entry).noDefault().endRecord();
    }

    public Path file() {
        return file;
    }

    /** The saved state, empty when there is none; a file that cannot be read is an error, not an empty state. */
    public Optional<Snapshot<V>> load() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        SpecificData model = SpecificData.getForClass(type);
        try (DataFileReader<GenericRecord> in = new DataFileReader<>(file.toFile(),
                new SpecificDatumReader<>(null, schema, model))) {
            long offset = Long.parseLong(in.getMetaString(OFFSET));
            SortedMap<String, V> entries = new TreeMap<>();
            for (GenericRecord record : in) {
                entries.put(record.get("resource").toString(), type.cast(record.get("entry")));
            }
            return Optional.of(new Snapshot<>(offset, entries));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the last good state " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Saves on a thread of its own, so the agent's applies do not wait for the file (100 000 floating IPs are
     * 5.6 MB, 0.3 to 1 s to write on a busy machine); only the latest of the states given meanwhile is written.
     */
    public synchronized void saveLater(Snapshot<V> snapshot) {
        if (writer == null) {
            writer = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "factnet-last-good-" + file.getFileName());
                thread.setDaemon(true);
                return thread;
            });
        }
        if (pending.getAndSet(snapshot) == null) {
            writing.set(true);
            writer.execute(() -> {
                Snapshot<V> latest = pending.getAndSet(null);
                try {
                    if (latest != null) {
                        save(latest);
                    }
                } catch (RuntimeException e) {
                    log.error("{} (a restart without the registry would find an older state)", e.getMessage());
                } finally {
                    writing.set(pending.get() != null);
                }
            });
        }
    }

    /** True when no write is queued or in progress: a state given now is written at once. */
    public boolean idle() {
        return !writing.get() && pending.get() == null;
    }

    /** Waits for a save in progress or pending. */
    @Override
    public synchronized void close() {
        if (writer != null) {
            writer.shutdown();
            try {
                writer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer = null;
        }
    }

    public void save(Snapshot<V> snapshot) {
        StateFiles.privateFolder(file.getParent());
        StateFiles.writeAtomically(file, StateFiles.PRIVATE, temp -> {
            try (DataFileWriter<GenericRecord> out = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema,
                    SpecificData.getForClass(type)))) {
                out.setMeta(OFFSET, Long.toString(snapshot.offset()));
                out.create(schema, temp.toFile());
                GenericData.Record record = new GenericData.Record(schema);
                for (var e : snapshot.entries().entrySet()) {
                    record.put("resource", e.getKey());
                    record.put("entry", e.getValue());
                    out.append(record);
                }
            }
        });
    }
}
