package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The render driver's runner: writes every command to a plan file (one per role, next to the files
 * the commands read), then hands it to the simulated host so the next command sees its effect.
 */
public final class PlanRecorder implements CommandRunner {
    private final CommandRunner delegate;
    private final Path plan;

    public PlanRecorder(CommandRunner delegate, Path plan) {
        this.delegate = delegate;
        this.plan = plan;
    }

    @Override
    public CommandResult run(Command command) {
        CommandResult result = delegate.run(command);
        String line = command.display() + (result.ok() ? "" : "    # exit " + result.exitCode()) + "\n";
        try {
            Files.writeString(plan, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plan " + plan + ": " + e.getMessage(), e);
        }
        return result;
    }
}
