package io.factnet.cli.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class MomentConverterTest {
    private final MomentConverter converter = new MomentConverter(Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC));

    @Test
    void anInstantOrADurationAgo() {
        assertThat(converter.convert("2026-12-04T03:12:00Z")).isEqualTo(Instant.parse("2026-12-04T03:12:00Z"));
        assertThat(converter.convert("90m")).isEqualTo(Instant.parse("2026-12-04T10:30:00Z"));
        assertThat(converter.convert(" PT30S ")).isEqualTo(Instant.parse("2026-12-04T11:59:30Z"));
        assertThatThrownBy(() -> converter.convert("last tuesday")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("neither an instant");
    }
}
