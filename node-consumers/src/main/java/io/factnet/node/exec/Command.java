package io.factnet.node.exec;

import java.util.List;

/**
 * One program run: an argument vector, never a shell line. The last guard against a value that
 * slipped through validation: no argument may hold a control character (a newline would start a
 * new statement in a batch file, a NUL would cut the argument).
 */
public record Command(List<String> argv) {

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("a command needs a program");
        }
        for (String arg : argv) {
            if (arg.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("control character in an argument of " + argv.get(0));
            }
        }
    }

    public static Command of(String... argv) {
        return new Command(List.of(argv));
    }

    public String program() {
        return argv.get(0);
    }

    /** The command as a reader would type it, each argument quoted where needed (for plans and logs only). */
    public String display() {
        StringBuilder out = new StringBuilder();
        for (String arg : argv) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(arg.matches("[A-Za-z0-9_@%+=:,./-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return display();
    }
}
