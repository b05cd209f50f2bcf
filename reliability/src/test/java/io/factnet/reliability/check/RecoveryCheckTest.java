package io.factnet.reliability.check;

import static io.factnet.reliability.check.Facts.at;
import static io.factnet.reliability.check.Facts.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.reliability.send.Sent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryCheckTest {
    static final Instant FAULT = Instant.parse("2026-01-01T00:00:10Z");

    static Sent sentAt(Request request, Instant committed) {
        Sent sent = Facts.sent(request);
        return new Sent(sent.record(), sent.partition(), sent.offset(), committed.toEpochMilli());
    }

    static Result doneAt(Request request, Instant completed) {
        Result result = Facts.result(request, Reason.OK, null);
        result.setCompletedAt(completed);
        return result;
    }

    @Test
    void measuresTheFirstAnswerAfterTheFaultAndTheEndOfTheBacklog() {
        Request before = request("p", "answered-before");
        Request stuck1 = request("p", "stuck-1");
        Request stuck2 = request("p", "stuck-2");
        Request after = request("p", "sent-after");
        RecoveryCheck.Recovery recovery = RecoveryCheck.after(FAULT,
                List.of(sentAt(before, FAULT.minusSeconds(5)), sentAt(stuck1, FAULT.minusSeconds(1)), sentAt(stuck2, FAULT.minusMillis(1)),
                        sentAt(after, FAULT.plusSeconds(1))),
                List.of(at("r", "", doneAt(before, FAULT.minusSeconds(4))), at("r", "", doneAt(stuck1, FAULT.plusMillis(6500))),
                        at("r", "", doneAt(stuck2, FAULT.plusMillis(7200))), at("r", "", doneAt(after, FAULT.plusMillis(7300)))));
        assertThat(recovery.firstAnswer()).contains(Duration.ofMillis(6500));
        assertThat(recovery.backlogDone()).contains(Duration.ofMillis(7200));
        assertThat(recovery.backlog()).isEqualTo(2);
    }

    @Test
    void aRequestNeverAnsweredLeavesTheBacklogUnfinished() {
        Request lost = request("p", "lost");
        RecoveryCheck.Recovery recovery = RecoveryCheck.after(FAULT, List.of(sentAt(lost, FAULT.minusSeconds(1))), List.of());
        assertThat(recovery.backlogDone()).isEmpty();
        assertThat(recovery.firstAnswer()).isEmpty();
    }
}
