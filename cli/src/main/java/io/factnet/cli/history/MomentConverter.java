package io.factnet.cli.history;

import io.factnet.cli.request.DurationConverter;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A moment as an ISO-8601 instant ({@code 2026-12-04T03:12:00Z}) or as a duration ago ({@code 90m}, {@code 2h}, {@code PT30S}). */
public final class MomentConverter implements ITypeConverter<Instant> {
    private final Clock clock;

    public MomentConverter() {
        this(Clock.systemUTC());
    }

    MomentConverter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Instant convert(String value) {
        String text = value.trim();
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return clock.instant().minus(new DurationConverter().convert(text));
            } catch (TypeConversionException notADuration) {
                throw new TypeConversionException("'" + value + "' is neither an instant (2026-12-04T03:12:00Z) "
                        + "nor a duration ago (90m, 2h, PT30S)");
            }
        }
    }
}
