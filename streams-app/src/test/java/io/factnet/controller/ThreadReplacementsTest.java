package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadReplacementsTest {
    private final AtomicLong now = new AtomicLong();
    private final ThreadReplacements replacements = new ThreadReplacements(now::get);

    @Test
    void threadsDyingInALoopAreUnhealthyUntilTheLoopIsAMinuteOld() {
        RuntimeException down = new RuntimeException("registry unreachable\r\n");
        replacements.record(down, false);
        replacements.record(down, false);
        assertThat(replacements.health().healthy()).isTrue();
        replacements.record(down, false);
        ThreadReplacements.Health health = replacements.health();
        assertThat(health.healthy()).isFalse();
        assertThat(health.reason()).contains("replaced 3 times in the last 60 s")
                .contains("java.lang.RuntimeException: \"registry unreachable\\u000d\\u000a\"");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(replacements.health().healthy()).isTrue();
        assertThat(replacements.health().total()).isEqualTo(3);
    }

    @Test
    void deathsBlamedOnARecordEndByThemselvesAndDoNotMakeItUnhealthy() {
        for (int i = 0; i < 10; i++) {
            replacements.record(new IllegalStateException("poison"), true);
        }
        assertThat(replacements.health().healthy()).isTrue();
        assertThat(replacements.health().total()).isEqualTo(10);
        assertThat(replacements.pauseBeforeReplacing()).isEqualTo(ThreadReplacements.FIRST_PAUSE);
    }

    @Test
    void thePauseBeforeAReplacementGrowsWithTheLoopUpToFiveSeconds() {
        assertThat(replacements.pauseBeforeReplacing()).isEqualTo(Duration.ofMillis(250));
        replacements.record(new RuntimeException(), false);
        assertThat(replacements.pauseBeforeReplacing()).isEqualTo(Duration.ofMillis(250));
        replacements.record(new RuntimeException(), false);
        assertThat(replacements.pauseBeforeReplacing()).isEqualTo(Duration.ofMillis(500));
        for (int i = 0; i < 20; i++) {
            replacements.record(new RuntimeException(), false);
        }
        assertThat(replacements.pauseBeforeReplacing()).isEqualTo(Duration.ofSeconds(5));
    }
}
