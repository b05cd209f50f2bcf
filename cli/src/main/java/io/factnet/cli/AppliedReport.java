package io.factnet.cli;

import io.factnet.cli.history.TopicWindow;
import io.factnet.model.AppliedAck;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.node.NodeReplay;
import io.factnet.node.trace.CannotEvaluate;
import io.factnet.node.trace.Packet;
import io.factnet.node.trace.PacketTracer;
import io.factnet.node.trace.ReplayedNodes;
import io.factnet.node.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code factnet trace --applied} says: the trace over the acked state (or why it has no verdict), per hop of the
 * desired trace what the acked state did there, each traced node's acks, the entries not applied, and those of them the
 * desired verdict depends on.
 *
 * @param trace     the trace over the acked state; empty when it has no verdict ({@code noVerdict} says why)
 * @param hops      per hop of the desired trace: "same", "differs: ...", "not reached"
 * @param acks      per traced node and role: "acked offset N at T", "never acked", with the ack's error if any
 * @param pending   entries whose desired value the node has not acked
 * @param dependsOn those of them a hop of the desired trace was rendered from
 */
record AppliedReport(Optional<Trace> trace, String noVerdict, List<String> hops, List<String> acks,
                     List<AppliedState.Pending> pending, List<AppliedState.Pending> dependsOn, boolean agrees) {

    static AppliedReport of(Trace desired, TraceCommand.Start start, Packet packet, ReplayedNodes.Replayed desiredNodes,
                            ReplayedNodes.Replayed appliedNodes, Map<String, Map<NodeRole, TopicWindow.Read<Request>>> acks) {
        Optional<Trace> trace;
        String noVerdict = "";
        try {
            trace = Optional.of(TraceCommand.trace(new PacketTracer(appliedNodes.nodes()), start, packet));
        } catch (CannotEvaluate e) {
            trace = Optional.empty();
            noVerdict = e.getMessage();
        }
        List<String> hops = AppliedState.compare(desired.hops(), trace.map(Trace::hops).orElse(List.of()));
        List<String> ackLines = new ArrayList<>();
        desiredNodes.summaries().forEach((node, summaries) -> {
            for (NodeReplay.Summary summary : summaries) {
                TopicWindow.Read<Request> read = acks.getOrDefault(node, Map.of()).get(summary.role());
                String role = node + " " + summary.role().name().toLowerCase(Locale.ROOT);
                if (read == null) {
                    ackLines.add(role + ": never acked (not started, or down since before its first apply): its kernel is taken "
                            + "to hold none of this role's entries");
                    continue;
                }
                AppliedAck ack = AppliedState.ack(read);
                ackLines.add(role + ": acked offset " + ack.getAppliedOffset() + " of partition " + ack.getPartition() + " at "
                        + read.written() + (ack.getError() == null ? "" : ", with an error: " + ack.getError()
                        + (ack.getNotApplied() == null ? "" : " (not applied: " + String.join(", ", ack.getNotApplied()) + ")")));
            }
        });
        List<AppliedState.Pending> pending = AppliedState.pending(desiredNodes, appliedNodes);
        List<AppliedState.Pending> dependsOn = AppliedState.dependedOn(desired.hops(), pending);
        boolean agrees = trace.isPresent() && trace.get().verdict() == desired.verdict();
        return new AppliedReport(trace, noVerdict, hops, ackLines, pending, dependsOn, agrees);
    }
}
