package io.factnet.cli.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.TerminalSafe;
import io.factnet.model.Allocation;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A result whose values came from a hostile client (its request id, its project) or hold control characters. */
class ResultPrinterTest {
    private static final String ID = "req-1\n\u001b[31mACCEPTED fake\u001b[0m" + "i".repeat(1 << 20);

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static Result result(Status status) {
        return Result.newBuilder().setRequestId(ID).setProject("p1\r\u009b2J").setCommand("ReleaseFloatingIp").setStatus(status)
                .setReason(status == Status.ACCEPTED ? Reason.OK : Reason.INVALID_ARGUMENT)
                .setMessage("request id \"" + ID + "\" is refused\u001b]0;title\u0007")
                .setCompletedAt(Instant.EPOCH).setTouched(List.of(NodeRef.newBuilder().setNodeId("n1\u001b[K").setRole(NodeRole.ROUTING).build()))
                .setAllocated(status == Status.ACCEPTED ? Allocation.newBuilder().setAddress("203.0.113.5\n").build() : null)
                .build();
    }

    private ResultPrinter printer(boolean json) {
        return new ResultPrinter(new PrintWriter(out), new PrintWriter(err), json);
    }

    @Test
    void theRejectedLineIsOneLineWithNothingRawAndTheIdCut() {
        printer(false).rejected(result(Status.REJECTED));
        String line = err.toString();
        TerminalSafe.assertInert(line);
        assertThat(line.lines().toList()).hasSize(1);
        assertThat(line).startsWith("REJECTED ReleaseFloatingIp req-1\\u000a\\u001b[31mACCEPTED fake")
                .contains("...(1048604 chars) (project p1\\u000d\\u009b2J): INVALID_ARGUMENT: request id")
                .endsWith("is refused\\u001b]0;title\\u0007\n");
        assertThat(line.length()).isLessThan(1200);
    }

    @Test
    void theAcceptedSummaryEscapesEveryValue() {
        printer(false).accepted(result(Status.ACCEPTED), null);
        String printed = out.toString();
        TerminalSafe.assertInert(printed);
        assertThat(printed.lines().toList()).hasSize(3);
        assertThat(printed).contains("  address    203.0.113.5\\u000a\n", "  touched    n1\\u001b[K ROUTING\n");
    }

    @Test
    void jsonKeepsEveryValueWholeWithNothingRaw() throws Exception {
        printer(true).rejected(result(Status.REJECTED));
        TerminalSafe.assertInert(out.toString());
        assertThat(out.toString().lines().toList()).hasSize(1);
        assertThat(new ObjectMapper().readTree(out.toString()).get("requestId").asText()).isEqualTo(ID);
        assertThat(new ObjectMapper().readTree(out.toString()).get("project").asText()).isEqualTo("p1\r\u009b2J");
    }
}
