package io.factnet.node.addressing;

import io.factnet.model.Request;
import io.factnet.net.Hostname;
import io.factnet.net.Ipv4Address;
import io.factnet.net.MacAddress;
import io.factnet.net.Printable;
import io.factnet.node.runtime.NodeEvents;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one network's lease events file (written by the lease hook) from where it stopped, turns
 * each complete line into LeaseGranted ("add", "old") or LeaseReleased ("del"), and rotates the file
 * once it grew past a limit and was read to its end. Every field is validated: a line that is not
 * exactly what the hook writes is logged and skipped.
 */
final class LeaseEvents {
    private static final Logger log = LoggerFactory.getLogger(LeaseEvents.class);
    static final long ROTATE_AT = 1 << 20;

    private final Path file;
    private final Path rotated;
    private final long rotateAt;
    private long offset;
    private long rotatedOffset = -1;

    LeaseEvents(Path file) {
        this(file, ROTATE_AT);
    }

    LeaseEvents(Path file, long rotateAt) {
        this.file = file;
        this.rotated = file.resolveSibling(file.getFileName() + ".1");
        this.rotateAt = rotateAt;
    }

    /** The events that arrived since the last call, as requests of {@code project}. */
    List<Request> poll(String project, String nodeId) {
        List<Request> events = new ArrayList<>();
        try {
            if (rotatedOffset >= 0) {
                // A hook that opened the file just before the rotation wrote its line there: read it too.
                readFrom(rotated, rotatedOffset, project, nodeId, events);
                Files.deleteIfExists(rotated);
                rotatedOffset = -1;
            }
            if (!Files.exists(file)) {
                return events;
            }
            offset = readFrom(file, offset, project, nodeId, events);
            if (offset >= rotateAt && offset == Files.size(file)) {
                Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
                rotatedOffset = offset;
                offset = 0;
            }
        } catch (IOException e) {
            log.warn("cannot read lease events {}: {}", file, e.getMessage());
        }
        return events;
    }

    private long readFrom(Path path, long from, String project, String nodeId, List<Request> events) throws IOException {
        if (!Files.exists(path)) {
            return from;
        }
        try (RandomAccessFile in = new RandomAccessFile(path.toFile(), "r")) {
            long length = in.length();
            if (length < from) {
                from = 0; // the file was replaced
            }
            byte[] bytes = new byte[(int) Math.min(length - from, 8 << 20)];
            in.seek(from);
            in.readFully(bytes);
            int lineStart = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    parse(line, project, nodeId, events);
                    lineStart = i + 1;
                }
            }
            return from + lineStart; // a line without its newline yet is read next time
        }
    }

    static void parse(String line, String project, String nodeId, List<Request> events) {
        String[] fields = line.split("\t", -1);
        try {
            if (fields.length != 4) {
                throw new IllegalArgumentException("expected 4 tab-separated fields");
            }
            MacAddress mac = MacAddress.parse(fields[1]);
            Ipv4Address address = Ipv4Address.parse(fields[2]);
            switch (fields[0]) {
                case "add", "old" -> {
                    String hostname = fields[3].isEmpty() ? null : Hostname.sanitize(fields[3], "host").label();
                    events.add(NodeEvents.leaseGranted(project, nodeId, address.toString(), mac.toString(), hostname));
                }
                case "del" -> events.add(NodeEvents.leaseReleased(project, nodeId, address.toString(), mac.toString()));
                default -> {
                    // dnsmasq's other actions (tftp, init) are not lease changes
                }
            }
        } catch (IllegalArgumentException e) {
            log.warn("skipped a lease event line {}: {}", Printable.quote(line), e.getMessage());
        }
    }
}
