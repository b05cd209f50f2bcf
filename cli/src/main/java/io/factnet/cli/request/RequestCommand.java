package io.factnet.cli.request;

import io.factnet.cli.client.Names;
import io.factnet.model.Request;
import java.util.List;
import org.apache.avro.Schema;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code factnet request <command>}: one subcommand per branch of the {@code Request.command} union,
 * made from the schema at start-up, so that a command added to the schema is a subcommand at once.
 */
@Command(name = "request", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
        modelTransformer = RequestCommand.SubcommandsFromSchema.class,
        description = {"Produce one request to factnet and, with --wait or --wait-applied, wait for its result.",
                "A subcommand is the Avro command record's name in kebab-case, its options the record's fields."})
public final class RequestCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a request command is missing: factnet request <command> (see factnet request --help)");
    }

    /** The command records of the schema, in the union's order. */
    public static List<Schema> commandSchemas() {
        return Request.getClassSchema().getField("command").schema().getTypes();
    }

    /** Adds a subcommand per command record after picocli built the annotated part. */
    public static final class SubcommandsFromSchema implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec request) {
            for (Schema command : commandSchemas()) {
                request.addSubcommand(Names.kebab(command.getName()), RequestSubcommand.spec(command));
            }
            return request;
        }
    }
}
