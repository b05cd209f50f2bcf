package io.factnet.node.addressing;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.LeaseGranted;
import io.factnet.model.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseEventsTest {
    @TempDir
    Path folder;

    @Test
    void rotatesAReadFileAndStillReadsALineWrittenToItLate() throws Exception {
        Path file = folder.resolve("lease-events");
        LeaseEvents events = new LeaseEvents(file, 100);
        append(file, 3);
        assertThat(addresses(events.poll("p1", "n1"))).containsExactly("10.0.1.0", "10.0.1.1", "10.0.1.2");
        assertThat(file).doesNotExist();
        Path rotated = folder.resolve("lease-events.1");
        assertThat(rotated).exists();

        // A hook that opened the file just before the rotation, and a new one after it.
        Files.writeString(rotated, "add\tfa:16:3e:00:00:63\t10.0.1.99\tlate\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        append(file, 1);
        assertThat(addresses(events.poll("p1", "n1"))).containsExactly("10.0.1.99", "10.0.1.0");
        assertThat(rotated).doesNotExist();
        assertThat(events.poll("p1", "n1")).isEmpty();
    }

    private static void append(Path file, int lines) throws Exception {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            out.append(String.format("add\tfa:16:3e:00:00:%02x\t10.0.1.%d\tvm%d%n", i, i, i));
        }
        Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static List<String> addresses(List<Request> requests) {
        return requests.stream().map(r -> ((LeaseGranted) r.getCommand()).getAddress()).toList();
    }
}
