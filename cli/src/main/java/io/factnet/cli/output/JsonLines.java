package io.factnet.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Prints {@code --json} output: one JSON object per line. Values are exact (no cutting: scripts read
 * them), and every non-ASCII character is written as a JSON escape, so C1 controls and bidi overrides
 * in a client's value cannot reach a terminal raw (JSON itself escapes only C0 controls).
 */
public final class JsonLines {
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private JsonLines() {
    }

    public static void println(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
