package io.factnet.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reviewed reference texts under src/test/resources/reference. To change one on purpose, run the
 * test with -Dfactnet.update-references=true and review the diff before committing it.
 */
public final class References {
    private static final Path SOURCE = Path.of("src/test/resources/reference");

    private References() {
    }

    public static void assertMatches(String name, String actual) {
        if (Boolean.getBoolean("factnet.update-references")) {
            try {
                Files.writeString(SOURCE.resolve(name), actual, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        try (var in = References.class.getResourceAsStream("/reference/" + name)) {
            assertThat(in).as("reference " + name + " (write it with -Dfactnet.update-references=true)").isNotNull();
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
