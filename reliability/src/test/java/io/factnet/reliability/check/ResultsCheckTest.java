package io.factnet.reliability.check;

import static io.factnet.reliability.check.Facts.at;
import static io.factnet.reliability.check.Facts.request;
import static io.factnet.reliability.check.Facts.result;
import static io.factnet.reliability.check.Facts.sent;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.reliability.read.Decoded;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsCheckTest {
    final Request once = request("p1", "r1");
    final Request twice = request("p1", "r2");
    final Request sameIdOtherProject = request("p2", "r1");

    @Test
    void oneResultPerSendAndTheFirstAgainForARepeatPass() {
        ResultsCheck.Report report = ResultsCheck.check(List.of(sent(once), sent(twice), sent(twice), sent(sameIdOtherProject)),
                List.of(at("results", "r1", result(once, Reason.OK, "10.0.0.2")), at("results", "r2", result(twice, Reason.IN_USE, null)),
                        at("results", "r2", result(twice, Reason.IN_USE, null)),
                        at("results", "r1", result(sameIdOtherProject, Reason.OK, "10.0.0.3"))));
        assertThat(report.exactlyOnePerSend()).as(report.toString()).isTrue();
        assertThat(report.sends()).isEqualTo(4);
        assertThat(report.results()).isEqualTo(4);
    }

    @Test
    void missingDoubledUnexpectedDifferingAndUnreadableResultsAreEachFound() {
        Request lost = request("p1", "lost");
        Request stray = request("p9", "never-sent");
        List<Decoded<Result>> results = List.of(
                at("results", "r1", result(once, Reason.OK, "10.0.0.2")),
                at("results", "r1", result(once, Reason.OK, "10.0.0.2")),
                at("results", "r2", result(twice, Reason.OK, "10.0.0.5")),
                at("results", "r2", result(twice, Reason.OK, "10.0.0.6")),
                at("results", "never-sent", result(stray, Reason.OK, null)),
                new Decoded<>("results", 1, 7, "x", null, "bad record: magic byte"));
        ResultsCheck.Report report = ResultsCheck.check(List.of(sent(once), sent(twice), sent(twice), sent(lost)), results);
        assertThat(report.exactlyOnePerSend()).isFalse();
        assertThat(report.missing()).containsExactly("p1/lost: sent 1, results 0");
        assertThat(report.doubled()).containsExactly("p1/r1: sent 1, results 2");
        assertThat(report.unexpected()).containsExactly("p9/never-sent");
        assertThat(report.repeatsDiffering()).hasSize(1).first().asString().startsWith("p1/r2");
        assertThat(report.unreadable()).hasSize(1);
    }
}
