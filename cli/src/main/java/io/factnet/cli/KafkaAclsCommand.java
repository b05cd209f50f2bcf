package io.factnet.cli;

import io.factnet.cli.client.KafkaClientOptions;
import io.factnet.model.NodeRole;
import io.factnet.topics.KafkaAcls;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * factnet's Kafka ACLs ({@link KafkaAcls}, the one definition) for a real cluster: printed as {@code kafka-acls.sh}
 * commands, or applied with an admin's connection settings, with the SCRAM credentials of the users if given.
 */
@Command(name = "kafka-acls", mixinStandardHelpOptions = true,
        description = {"Print factnet's Kafka ACLs as kafka-acls.sh commands, or apply them (--apply) as an admin.",
                "Principals: User:" + KafkaAcls.CONTROLLER + ", User:" + KafkaAcls.GATEWAY + ", User:" + KafkaAcls.OPERATOR
                        + ", User:" + KafkaAcls.REGISTRY + ", User:" + KafkaAcls.METADATA + ", User:" + KafkaAcls.NODE_PREFIX
                        + "<node id> (docs/deploy.md, ACLs)."})
final class KafkaAclsCommand implements Callable<Integer> {

    @Option(names = "--application-id", defaultValue = KafkaAcls.CONTROLLER,
            description = "The controller's application.id: its group, internal topics and transactional ids (default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--node", paramLabel = "NODE=ROLE[,ROLE...]",
            description = "A node and the roles its agents play (repeatable), e.g. node-1=routing,addressing,bridging,tunneling.")
    Map<String, String> nodes = new LinkedHashMap<>();

    @Option(names = "--no-create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Let the controller create factnet's missing topics (default); --no-create-topics when an admin made them.")
    boolean controllerCreatesTopics;

    @Option(names = "--apply", description = "Create the ACLs on the cluster (idempotent) instead of printing them; "
            + "the connection settings must be an admin's (a super user, or Alter on the cluster).")
    boolean apply;

    @Option(names = "--scram-user", paramLabel = "USER=PASSWORD_FILE",
            description = "With --apply: create or update this user's SCRAM-SHA-512 credential, its password read from the file "
                    + "(e.g. a Docker secret; one line). Repeatable.")
    Map<String, Path> scramUsers = new LinkedHashMap<>();

    @Mixin
    KafkaClientOptions connection;

    @Spec
    CommandSpec spec;

    KafkaAcls.Installation installation() {
        Map<String, Set<NodeRole>> parsed = new LinkedHashMap<>();
        nodes.forEach((node, roles) -> {
            EnumSet<NodeRole> set = EnumSet.noneOf(NodeRole.class);
            for (String role : roles.split(",")) {
                if (!role.isBlank()) {
                    try {
                        set.add(NodeRole.valueOf(role.strip().toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--node " + node + ": unknown role \"" + role.strip() + "\" (routing, addressing, "
                                + "bridging, tunneling)");
                    }
                }
            }
            if (set.isEmpty()) {
                throw new IllegalArgumentException("--node " + node + ": name at least one role");
            }
            parsed.put(node, set);
        });
        return new KafkaAcls.Installation(applicationId, parsed, controllerCreatesTopics);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        KafkaAcls.Installation installation = installation();
        List<KafkaAcls.Grant> grants = KafkaAcls.all(installation);
        if (!apply) {
            if (!scramUsers.isEmpty()) {
                throw new IllegalArgumentException("--scram-user needs --apply");
            }
            out.println("# factnet's Kafka ACLs (factnet kafka-acls" + (installation.nodes().isEmpty() ? "" : ", nodes "
                    + String.join(", ", installation.nodes().keySet())) + ")");
            out.println("# B='--bootstrap-server <broker> --command-config <admin.properties>'");
            out.print(KafkaAcls.script(grants));
            out.flush();
            return 0;
        }
        List<AclBinding> bindings = KafkaAcls.bindings(grants);
        try (Admin admin = Admin.create(connection.settings().kafkaWith(Map.of()))) {
            if (!scramUsers.isEmpty()) {
                List<UserScramCredentialAlteration> upserts = new ArrayList<>();
                for (Map.Entry<String, Path> user : scramUsers.entrySet()) {
                    String password = Files.readString(user.getValue(), StandardCharsets.UTF_8).strip();
                    if (password.isEmpty()) {
                        throw new IllegalArgumentException("the password file of " + user.getKey() + " is empty: " + user.getValue());
                    }
                    upserts.add(new UserScramCredentialUpsertion(user.getKey(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                            password));
                }
                admin.alterUserScramCredentials(upserts).all().get(60, TimeUnit.SECONDS);
                out.println("SCRAM-SHA-512 credentials set for " + String.join(", ", scramUsers.keySet()));
            }
            admin.createAcls(bindings).all().get(60, TimeUnit.SECONDS);
        }
        out.println(bindings.size() + " ACLs in place for " + String.join(", ", installation.users()));
        out.flush();
        return 0;
    }
}
