package io.factnet.cli;

import io.factnet.cli.bench.BenchCommand;
import io.factnet.cli.history.HistoryCommand;
import io.factnet.cli.history.WhyCommand;
import io.factnet.cli.request.RequestCommand;
import io.factnet.cli.show.ShowCommand;
import io.factnet.text.SafeText;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one launcher: {@code factnet <command>}. Each command configures and runs; the logic lives in the modules. */
@Command(name = "factnet", mixinStandardHelpOptions = true, version = "factnet 0.1.0",
        description = "Cloud networking in the style of nova-network, as an event-driven Kafka system.",
        subcommands = {DemoCommand.class, BrokerCommand.class, RequestCommand.class, ApiCommand.class, BenchCommand.class,
                ControllerCommand.class, NodeCommand.class, ReplayCommand.class, ShowCommand.class, HistoryCommand.class,
                WhyCommand.class, TraceCommand.class, KafkaAclsCommand.class, MetadataCommand.class,
                CommandLine.HelpCommand.class})
public final class Factnet {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with factnet's error handling: a user's mistake is one clear line and exit 1, not a
     * stack trace. The line is escaped and cut ({@link SafeText#line}): picocli's messages echo the raw
     * argument, which may hold a newline, a terminal escape sequence or a megabyte.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Factnet());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("factnet: " + UserErrors.describe(e));
            return 1;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("factnet: " + SafeText.line(e.getMessage()));
            failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            return 1;
        });
        return cli;
    }
}
