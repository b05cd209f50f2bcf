package io.factnet.node.exec;

/** A program that exited non-zero; the message has the command and the first lines of its error output. */
public final class CommandFailedException extends RuntimeException {
    private final transient CommandResult result;

    public CommandFailedException(CommandResult result) {
        super(result.command().display() + " exited " + result.exitCode() + ": " + firstLines(result.stderr()));
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }

    private static String firstLines(String text) {
        String trimmed = text.strip();
        String[] lines = trimmed.split("\n", 6);
        String shown = String.join(" | ", java.util.Arrays.copyOf(lines, Math.min(lines.length, 5)));
        return shown.length() > 600 ? shown.substring(0, 600) + "..." : shown;
    }
}
