package io.factnet.node.exec;

import java.time.Duration;
import java.util.Optional;

/**
 * The node as the reconcilers see it: programs to run, processes to look up, kernel features.
 * {@link #linux} is the real machine (optionally inside a network namespace); the render driver and
 * the tests use a simulated host that parses every command it is given.
 */
public record Host(CommandRunner commands, ProcessTable processes, KernelFeatures features) {

    public static Host linux(Optional<String> netns) {
        return new Host(new ProcessCommandRunner(netns, Duration.ofMinutes(2)), new LinuxProcessTable(),
                KernelFeatures.linux());
    }

    public CommandResult run(String... argv) {
        return commands.run(Command.of(argv)).orThrow();
    }

    public CommandResult tryRun(String... argv) {
        return commands.run(Command.of(argv));
    }
}
