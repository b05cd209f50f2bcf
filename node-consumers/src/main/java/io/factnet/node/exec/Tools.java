package io.factnet.node.exec;

import java.util.ArrayList;
import java.util.List;

/** Start checks: a missing tool is one clear error when the agent starts, not a failed apply later. */
public final class Tools {
    private Tools() {
    }

    /** Runs {@code tool --version} (or the given arguments) and fails clearly when the tool is not there. */
    public static void require(Host host, String tool, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(tool);
        argv.addAll(args.length == 0 ? List.of("--version") : List.of(args));
        CommandResult result;
        try {
            result = host.commands().run(new Command(argv));
        } catch (RuntimeException e) {
            throw new IllegalStateException(tool + " is needed but cannot be run: " + e.getMessage(), e);
        }
        boolean missing = result.exitCode() == 127 || result.stderr().contains("No such file or directory");
        if (missing) {
            throw new IllegalStateException(tool + " is needed but is not installed (or not on the PATH)");
        }
    }
}
