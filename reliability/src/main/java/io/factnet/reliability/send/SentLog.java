package io.factnet.reliability.send;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Exactly what was sent: every record whose transaction committed (a request sent twice is here
 * twice), and the records whose transaction's outcome is unknown (the producer failed fatally while
 * committing: they are on the topic once or not at all). The checks run against this after the load.
 */
public final class SentLog {
    private final List<Sent> committed = new ArrayList<>();
    private final List<Outgoing> unknown = new ArrayList<>();

    public synchronized void committed(List<Sent> sent) {
        committed.addAll(sent);
    }

    public synchronized void unknown(List<Outgoing> records) {
        unknown.addAll(records);
    }

    public synchronized List<Sent> committed() {
        return List.copyOf(committed);
    }

    public synchronized List<Outgoing> unknown() {
        return List.copyOf(unknown);
    }

    /** One line per committed record (topic, partition, offset, label, request): for reading after a failed run. */
    public synchronized void writeTo(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (Sent sent : committed) {
                    out.write(sent.topic() + "\t" + sent.partition() + "\t" + sent.offset() + "\t" + sent.record().label() + "\t"
                            + (sent.request() != null ? abbreviated(sent.request().toString())
                            : sent.record().value() == null ? "tombstone" : sent.record().value().length + " bytes"));
                    out.newLine();
                }
                for (Outgoing lost : unknown) {
                    out.write(lost.topic() + "\t?\t?\t" + lost.label() + " (outcome unknown)\t"
                            + (lost.request() != null ? abbreviated(lost.request().toString()) : ""));
                    out.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests with 1 MB strings stay readable in the log. */
    private static String abbreviated(String text) {
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "... (" + text.length() + " chars)";
    }
}
