package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The render driver's fault-injection seam ({@code factnet node --fail-apply-while FILE}): while the file
 * exists, every command fails as a broken tool would (exit 1 and a message on stderr), reads of the
 * node's state included; once it is gone, commands run again. The chaos harness creates the file to make
 * one node's applies fail for a while, from outside the agent's process, and checks that the agent acks
 * the error, keeps its last good state and recovers with a full retry. Not in the linux driver: there a
 * failing tool is a real one (a wrapper script on the PATH does the same).
 */
public final class FailureSwitch implements CommandRunner {
    static final int EXIT_CODE = 1;

    private final CommandRunner delegate;
    private final Path file;

    public FailureSwitch(CommandRunner delegate, Path file) {
        this.delegate = delegate;
        this.file = file;
    }

    @Override
    public CommandResult run(Command command) {
        if (Files.exists(file)) {
            return new CommandResult(command, EXIT_CODE, "",
                    command.program() + ": failing on purpose while " + file + " exists (factnet fault injection)\n");
        }
        return delegate.run(command);
    }
}
