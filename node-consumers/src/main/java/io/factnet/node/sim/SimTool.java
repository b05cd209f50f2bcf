package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One simulated program: it parses its arguments (and the files they name) as strictly as the real one. */
abstract class SimTool {

    abstract CommandResult run(Command command);

    static CommandResult ok(Command command, String stdout) {
        return new CommandResult(command, 0, stdout, "");
    }

    static CommandResult fail(Command command, int code, String stderr) {
        return new CommandResult(command, code, "", stderr.endsWith("\n") ? stderr : stderr + "\n");
    }

    static String readFile(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static List<String> args(Command command) {
        return command.argv().subList(1, command.argv().size());
    }

    /** A parse or semantic error of the simulated program, turned into its exit code and message. */
    static final class SimError extends RuntimeException {
        final int code;

        SimError(int code, String message) {
            super(message);
            this.code = code;
        }

        SimError(String message) {
            this(1, message);
        }
    }
}
