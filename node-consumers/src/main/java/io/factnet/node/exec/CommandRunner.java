package io.factnet.node.exec;

/**
 * Runs programs. The linux driver runs them for real ({@link ProcessCommandRunner}); the render
 * driver and the unit tests give them to a simulated host that parses what it is given.
 */
public interface CommandRunner {
    CommandResult run(Command command);
}
