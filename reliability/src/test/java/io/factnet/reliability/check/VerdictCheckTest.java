package io.factnet.reliability.check;

import static io.factnet.reliability.check.Facts.at;
import static io.factnet.reliability.check.Facts.request;
import static io.factnet.reliability.check.Facts.result;
import static io.factnet.reliability.check.Facts.sent;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.DeadLetter;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.reliability.corpus.CorpusPlayer.Played;
import io.factnet.reliability.corpus.Expectation;
import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictCheckTest {
    final Request first = request("corpus-a", "c1-a-group-web");
    final Request badVlan = request("_admin", "c1-vlan-zero");
    final Sent garbage = new Sent(new Outgoing("factnet.requests", new byte[] {1}, new byte[] {9, 9}, null, "garbage-bytes"), 2, 41, 0);

    static DeadLetter letter(String topic, int partition, long offset, String error) {
        return DeadLetter.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset).setError(error)
                .setAt(Instant.EPOCH).build();
    }

    List<Played> played() {
        return List.of(
                new Played("a-group-web", "setup", sent(first), Expectation.ACCEPTED),
                new Played("vlan-zero", "bad values", sent(badVlan), Expectation.rejected(Reason.INVALID_ARGUMENT)),
                new Played("garbage-bytes", "unreadable", garbage, Expectation.deadLetter("magic byte")),
                new Played("duplicate-id-other-command", "duplicates", sent(first), Expectation.FIRST_RESULT_AGAIN));
    }

    @Test
    void everyOutcomeAsExpected() {
        VerdictCheck.Report report = VerdictCheck.check(played(),
                List.of(at("r", "", result(first, Reason.OK, null)), at("r", "", result(badVlan, Reason.INVALID_ARGUMENT, null)),
                        at("r", "", result(first, Reason.OK, null))),
                List.of(at("d", "", letter("factnet.requests", 2, 41, "bad record: wrong Magic Byte 0x09"))));
        assertThat(report.wrong()).isEmpty();
        assertThat(report.playedPerFamily()).containsEntry("setup", 1).containsEntry("unreadable", 1);
    }

    @Test
    void wrongReasonsMissingDeadLettersAndChangedRepeatsAreReported() {
        VerdictCheck.Report report = VerdictCheck.check(played(),
                List.of(at("r", "", result(first, Reason.OK, null)), at("r", "", result(badVlan, Reason.NOT_FOUND, null)),
                        at("r", "", result(first, Reason.OK, "203.0.113.9"))),
                List.of(at("d", "", letter("factnet.requests", 2, 40, "bad record: magic byte"))));
        assertThat(report.wrong()).hasSize(3);
        assertThat(report.wrong().get(0)).startsWith("vlan-zero").contains("expected REJECTED INVALID_ARGUMENT, got REJECTED NOT_FOUND");
        assertThat(report.wrong().get(1)).startsWith("garbage-bytes").contains("found none");
        assertThat(report.wrong().get(2)).startsWith("duplicate-id-other-command").contains("expected the first result again");
    }

    @Test
    void aRequestWithoutItsResultIsReported() {
        VerdictCheck.Report report = VerdictCheck.check(played().subList(0, 2), List.of(at("r", "", result(first, Reason.OK, null))),
                List.of());
        assertThat(report.wrong()).singleElement().asString().startsWith("vlan-zero").contains("no result");
    }
}
