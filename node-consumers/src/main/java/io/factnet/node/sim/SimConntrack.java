package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import java.util.ArrayList;
import java.util.List;

/** conntrack, simulated: a list of connections by original and reply destination; -D deletes, exit 1 when none matched. */
public final class SimConntrack extends SimTool {

    public record Connection(String origDst, String replyDst) {
    }

    private final List<Connection> connections = new ArrayList<>();

    public List<Connection> connections() {
        return connections;
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = args(command);
        if (args.equals(List.of("--version"))) {
            return ok(command, "conntrack v1.4.7 (simulated)\n");
        }
        if (args.size() == 3 && args.get(0).equals("-D")
                && (args.get(1).equals("--orig-dst") || args.get(1).equals("--reply-dst"))) {
            boolean orig = args.get(1).equals("--orig-dst");
            int before = connections.size();
            connections.removeIf(c -> (orig ? c.origDst() : c.replyDst()).equals(args.get(2)));
            int deleted = before - connections.size();
            String message = "conntrack v1.4.7 (conntrack-tools): " + deleted + " flow entries have been deleted.\n";
            return deleted == 0 ? fail(command, 1, message) : new CommandResult(command, 0, "", message);
        }
        return fail(command, 2, "conntrack: unsupported by the simulation: " + command.display());
    }
}
