package io.factnet.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs the factnet command line in this JVM, as the launcher would, and keeps what it printed. */
public record CliCapture(int exit, String out, String err) {

    public static CliCapture run(List<String> args) {
        CommandLine cli = Factnet.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args.toArray(String[]::new));
        return new CliCapture(exit, out.toString(), err.toString());
    }
}
