package io.factnet.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The measured figures of one scenario run, in the order they were added: printed and written as a Markdown table. */
public final class Figures {
    private final String scenario;
    private final Map<String, String> values = new LinkedHashMap<>();

    public Figures(String scenario) {
        this.scenario = scenario;
    }

    public Figures put(String name, Object value) {
        values.put(name, String.valueOf(value));
        return this;
    }

    public Figures put(String name, Duration value) {
        return put(name, value.toMillis() + " ms");
    }

    public String markdown() {
        StringBuilder out = new StringBuilder("| " + scenario + " | |\n| --- | --- |\n");
        values.forEach((name, value) -> out.append("| ").append(name).append(" | ").append(value).append(" |\n"));
        return out.toString();
    }

    /** Writes the table to {@code dir/figures.md}. */
    public void writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("figures.md"), markdown(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return markdown();
    }
}
