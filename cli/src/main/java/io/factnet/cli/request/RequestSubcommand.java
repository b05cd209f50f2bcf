package io.factnet.cli.request;

import io.factnet.cli.client.Names;
import io.factnet.cli.client.ApiClient;
import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** One {@code factnet request <command>}: its options are the command record's fields plus the envelope. */
final class RequestSubcommand implements Callable<Integer> {
    private final Schema schema;
    private final SpecificData data;
    private final RequestRoutes.Scope scope;
    private final List<FieldOption> fields = new ArrayList<>();
    private final RequestOptions options = new RequestOptions();
    private final OptionSpec project;
    private CommandSpec spec;

    private RequestSubcommand(Schema schema) {
        this.schema = schema;
        this.data = SpecificData.getForSchema(schema);
        this.scope = RequestRoutes.scopeOf(schema.getName());
        for (Schema.Field field : schema.getFields()) {
            fields.add(FieldOption.of(field, data));
        }
        this.project = OptionSpec.builder("--project").paramLabel("<project>").type(String.class)
                .required(!scope.projectOptional())
                .description(scope.projectOptional()
                        ? "The project the request acts for. Default: " + RequestRoutes.ADMIN_PROJECT + "."
                        : "The project the request acts for.")
                .build();
    }

    static CommandSpec spec(Schema schema) {
        RequestSubcommand command = new RequestSubcommand(schema);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.name(Names.kebab(schema.getName()));
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.exitCodeOnInvalidInput(1);
        spec.usageMessage()
                .description(description(schema))
                .footer("", "Sent as " + schema.getName() + " to " + command.scope.topic().name() + ".")
                .sortOptions(false)
                .abbreviateSynopsis(true);
        command.fields.forEach(f -> spec.addOption(f.spec()));
        spec.addOption(command.project);
        spec.addMixin("request", CommandSpec.forAnnotatedObject(command.options));
        command.spec = spec;
        return spec;
    }

    private static String description(Schema schema) {
        if (schema.getDoc() != null && !schema.getDoc().isBlank()) {
            return schema.getDoc().trim();
        }
        return "Request " + schema.getName() + ".";
    }

    @Override
    public Integer call() {
        Request request = request();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ResultPrinter printer = new ResultPrinter(out, err, options.json);
        if (options.api != null && !options.api.isBlank()) {
            if (options.waitApplied) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--wait-applied needs Kafka (the node agents' acks are not served by the gateway); use --wait with --api");
            }
            return RequestExchange.throughGateway(new ApiClient(options.api, options.token(), options.apiCaCertificate),
                    printer, request, options.waitForResult, options.timeout);
        }
        return new RequestExchange(options.client.settings(), printer).run(request, options.waitMode(), options.timeout);
    }

    /** The request these options describe; a value that fails the syntax pre-check is a usage error. */
    Request request() {
        SpecificRecord command = (SpecificRecord) data.newRecord(null, schema);
        for (FieldOption field : fields) {
            Object value = field.value();
            String problem = SyntaxCheck.problem(field.field().name(), value);
            if (problem != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '" + Names.option(field.field().name()) + "': " + problem);
            }
            command.put(field.field().pos(), value);
        }
        String projectName = project.getValue();
        if ((projectName != null && projectName.isBlank()) || (options.requestId != null && options.requestId.isBlank())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--project and --request-id must not be blank");
        }
        return Request.newBuilder()
                .setRequestId(options.requestId != null ? options.requestId : UUID.randomUUID().toString())
                .setProject(projectName != null ? projectName : RequestRoutes.ADMIN_PROJECT)
                .setSubmittedAt(Instant.now())
                .setCommand(command)
                .build();
    }
}
