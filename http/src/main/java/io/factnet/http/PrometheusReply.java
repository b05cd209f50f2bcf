package io.factnet.http;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code /metrics} of the controller and of the node agents: a registry of Prometheus' Java client, scraped
 * on each request and written by the client's own writer in Prometheus' text format 0.0.4 (families with
 * HELP and TYPE, names and label values escaped). Nothing of the format is written by hand: ADR 0040.
 */
public final class PrometheusReply {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private PrometheusReply() {
    }

    /** 200 with every family the registry's collectors give now (a family without samples is left out). */
    public static Reply of(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            WRITER.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array's stream does not throw
        }
        return new Reply(200, out.toByteArray(), CONTENT_TYPE);
    }
}
