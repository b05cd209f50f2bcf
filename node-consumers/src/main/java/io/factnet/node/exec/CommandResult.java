package io.factnet.node.exec;

/** What a program returned. */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** This result, or an exception naming the command and what it printed when it failed. */
    public CommandResult orThrow() {
        if (!ok()) {
            throw new CommandFailedException(this);
        }
        return this;
    }
}
