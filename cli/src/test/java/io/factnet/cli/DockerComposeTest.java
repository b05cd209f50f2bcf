package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.factnet.cli.client.ClientSettings;
import io.factnet.controller.ControllerConfig;
import io.factnet.embedded.ApicurioRegistry;
import io.factnet.model.NodeRole;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The deployment under docker/, checked without a Docker engine: {@code docker-compose config} must
 * accept the compose file, and what it resolves must hang together (listeners, registry URL, roles,
 * capabilities, images); the images' entrypoint script is run here as the container would run it.
 */
class DockerComposeTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Path root;

    @BeforeAll
    static void findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker/compose.yaml"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root with docker/compose.yaml").isNotNull();
        root = dir;
    }

    record Ran(int exit, String out) {
    }

    private static Ran run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        // resolve the file as a user without factnet settings of their own would see it
        builder.environment().keySet().removeIf(name -> name.startsWith("FACTNET_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Ran(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static JsonNode resolvedCompose() throws Exception {
        Assumptions.assumeTrue(onPath("docker-compose"),
                "docker-compose is not installed here (.ci/run installs Debian's docker-compose)");
        Ran config = run(Map.of(), "docker-compose", "-f", "docker/compose.yaml", "config");
        assertThat(config.exit()).as(config.out()).isZero();
        return YAML.readTree(config.out());
    }

    private static boolean factnetImage(JsonNode service) {
        return service.path("image").asText().matches("factnet(-node)?:.*");
    }

    private static Map<String, String> env(JsonNode service) {
        return YAML.convertValue(service.get("environment"), YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
    }

    private static List<String> command(JsonNode service) {
        List<String> command = new ArrayList<>();
        service.path("command").forEach(word -> command.add(word.asText()));
        return command;
    }

    @Test
    void composeConfigAcceptsTheFileAndItsSettingsHangTogether() throws Exception {
        JsonNode services = resolvedCompose().get("services");
        Set<String> names = new HashSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("kafka", "schema-registry", "controller-1", "controller-2", "cli", "api");

        JsonNode kafka = services.get("kafka");
        assertThat(kafka.get("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
        Map<String, String> broker = env(kafka);
        assertThat(broker.get("KAFKA_PROCESS_ROLES").split(",")).containsExactlyInAnyOrder("broker", "controller");
        assertThat(broker).containsKey("CLUSTER_ID").containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        List<String> advertised = Arrays.stream(broker.get("KAFKA_ADVERTISED_LISTENERS").split(","))
                .map(l -> l.substring(l.indexOf("://") + 3)).toList();

        JsonNode registry = services.get("schema-registry");
        assertThat(registry.get("image").asText()).isEqualTo("apicurio/apicurio-registry:3.0.9");
        assertThat(env(registry)).containsEntry("APICURIO_KAFKASQL_BOOTSTRAP_SERVERS", advertised.get(0));

        int controllers = 0;
        Set<String> advertisedHttp = new HashSet<>();
        Set<String> nodeRoles = new HashSet<>();
        for (String name : names) {
            JsonNode service = services.get(name);
            if (!factnetImage(service)) {
                continue; // kafka and the registry
            }
            // the images Jib builds (cli/pom.xml, profile "image"; ContainerImageTest reads them): the node's for the agents
            assertThat(service.has("build")).as(name + ": no Dockerfile, the images are loaded").isFalse();
            assertThat(service.get("image").asText()).as(name)
                    .isEqualTo(name.startsWith("node-") ? "factnet-node:0.1.0" : "factnet:0.1.0");
            Map<String, String> settings = env(service);
            assertThat(advertised).as(name + " bootstraps from an advertised listener").contains(settings.get("FACTNET_BOOTSTRAP_SERVERS"));
            assertThat(settings.get("FACTNET_SCHEMA_REGISTRY_URL")).as(name)
                    .isEqualTo("http://schema-registry:8080" + ApicurioRegistry.CCOMPAT_PATH);
            List<String> command = command(service);
            if (command.get(0).equals("controller")) {
                controllers++;
                advertisedHttp.add(settings.get("FACTNET_ADVERTISED_HTTP"));
                assertThat(settings).containsEntry("FACTNET_APPLICATION_ID", "factnet-controller");
                assertThat(settings.keySet()).as(name + ": every variable is one the controller reads")
                        .allMatch(variable -> ControllerConfig.ENVIRONMENT.containsKey(variable)
                                || variable.startsWith(ControllerConfig.KAFKA_ENV_PREFIX)
                                || variable.equals(ClientSettings.ENV_CONFIG_FILE) || variable.equals("FACTNET_JAVA_OPTS"));
            } else if (command.get(0).equals("api")) {
                String help = io.factnet.cli.CliCapture.run(List.of("api", "--help")).out().replaceAll("\\s+", " ");
                assertThat(settings.keySet()).as(name + ": every variable is one the gateway reads")
                        .filteredOn(variable -> variable.startsWith("FACTNET_API_") || variable.equals("FACTNET_CONTROLLER_URL"))
                        .hasSizeGreaterThanOrEqualTo(8)
                        .allMatch(variable -> help.contains("env " + variable));
                assertThat(settings.get("FACTNET_CONTROLLER_URL")).isEqualTo("http://" + "controller-1:8080");
            } else if (command.get(0).equals("node")) {
                assertThat(command).as(name).containsSubsequence("--node-id", settings.get("FACTNET_NODE_ID"))
                        .containsSubsequence("--role", settings.get("FACTNET_ROLE"));
                nodeRoles.add(settings.get("FACTNET_ROLE").toUpperCase(Locale.ROOT));
                // capabilities do not carry over from the namespace's owner: each agent needs its own
                assertThat(service.get("cap_add").toString()).as(name).contains("NET_ADMIN");
                if (service.has("network_mode")) {
                    assertThat(service.get("network_mode").asText()).as(name).isEqualTo("service:node-1-routing");
                }
                assertThat(settings).containsKeys("FACTNET_PUBLIC_ADDRESS", "FACTNET_PUBLIC_INTERFACE", "FACTNET_ROLES");
            }
        }
        assertThat(controllers).isEqualTo(2);
        assertThat(advertisedHttp).as("each replica advertises its own address for interactive queries").hasSize(2);
        assertThat(nodeRoles).containsExactlyInAnyOrderElementsOf(Arrays.stream(NodeRole.values()).map(Enum::name).toList());
    }

    /** One published port as {@code docker-compose config} resolves it (short string or long form). */
    record Published(String hostIp, String published, int target, String protocol) {
        static Published of(JsonNode port) {
            if (port.isTextual()) {
                // [host_ip:]published:target[/protocol]
                String text = port.asText();
                String protocol = text.contains("/") ? text.substring(text.indexOf('/') + 1) : "tcp";
                String[] parts = text.replaceAll("/.*$", "").split(":");
                return new Published(parts.length == 3 ? parts[0] : "", parts[parts.length - 2], Integer.parseInt(parts[parts.length - 1]),
                        protocol);
            }
            return new Published(port.path("host_ip").asText(""), port.path("published").asText(), port.path("target").asInt(),
                    port.path("protocol").asText("tcp"));
        }
    }

    @Test
    void everythingButTheVpnPortsIsPublishedOnLoopbackAndOnlyTheAgentsRunAsRoot() throws Exception {
        JsonNode services = resolvedCompose().get("services");
        List<String> published = new ArrayList<>();
        services.fieldNames().forEachRemaining(name -> {
            JsonNode service = services.get(name);
            for (JsonNode port : service.path("ports")) {
                Published p = Published.of(port);
                published.add(name + " " + p);
                boolean vpn = name.equals("node-1-routing") && p.protocol().equals("udp") && p.target() >= 51820 && p.target() <= 51829;
                assertThat(p.hostIp()).as(name + " " + port).isEqualTo(vpn ? "" : "127.0.0.1");
            }
            // no capabilities but the agents' network ones, none to gain through setuid binaries
            assertThat(service.path("cap_drop").toString()).as(name).contains("ALL");
            assertThat(service.path("security_opt").toString()).as(name).contains("no-new-privileges:true");
            List<String> added = new ArrayList<>();
            service.path("cap_add").forEach(c -> added.add(c.asText()));
            if (name.startsWith("node-")) {
                assertThat(service.path("user").asText()).as(name).isEqualTo("0:0");
                assertThat(added).as(name).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID",
                        "CHOWN", "KILL");
            } else {
                assertThat(added).as(name).isEmpty();
                assertThat(service.path("user").asText("")).as(name + " runs as its image's user").isEmpty();
            }
        });
        assertThat(published).as("Kafka, the registry, both controllers, the gateway, four agents' metrics, ten VPN ports").hasSize(19);
        // the images' users (10001 for the controllers and the cli, root for the agents): ContainerImageTest

        // an operator who means it opens them up
        Ran open = run(Map.of("FACTNET_PUBLISH_ADDRESS", "0.0.0.0"), "docker-compose", "-f", "docker/compose.yaml", "config");
        assertThat(open.exit()).as(open.out()).isZero();
        assertThat(YAML.readTree(open.out()).get("services").get("controller-1").get("ports").get(0).toString()).contains("0.0.0.0");
    }

    @Test
    void theCommandsOfTheServicesParseWhereTheLauncherHasThem() throws Exception {
        JsonNode services = resolvedCompose().get("services");
        List<String> unchecked = new ArrayList<>();
        services.fieldNames().forEachRemaining(name -> {
            List<String> command = command(services.get(name));
            if (command.isEmpty() || !factnetImage(services.get(name))) {
                return;
            }
            CommandLine cli = Factnet.commandLine();
            if (!command.get(0).startsWith("-") && !cli.getSubcommands().containsKey(command.get(0))) {
                unchecked.add(name); // controller and node arrive with the topology and agent issues
                return;
            }
            assertThatCode(() -> cli.parseArgs(command.toArray(String[]::new))).as(name).doesNotThrowAnyException();
        });
        assertThat(unchecked).allMatch(name -> name.startsWith("controller-") || name.startsWith("node-"));
    }

    /** The launcher the images run (their tools, user and layers: ContainerImageTest, in the "image" profile). */
    @Test
    void theImagesEntrypointIsThePlainLauncher() throws Exception {
        Ran help = run(Map.of("FACTNET_CLASSPATH", System.getProperty("java.class.path"),
                "JAVA_HOME", System.getProperty("java.home"), "FACTNET_JAVA_OPTS", "-Xmx128m"),
                "sh", "docker/factnet", "request", "--help");
        assertThat(help.exit()).as(help.out()).isZero();
        assertThat(help.out()).contains("Usage: factnet request").contains("allocate-floating-ip");
    }

    private static final Map<String, String> SECURE_PASSWORDS = Map.of("FACTNET_KAFKA_ADMIN_PASSWORD", "admin-pw",
            "FACTNET_CONTROLLER_KAFKA_PASSWORD", "controller-pw", "FACTNET_GATEWAY_KAFKA_PASSWORD", "gateway-pw",
            "FACTNET_OPERATOR_KAFKA_PASSWORD", "operator-pw", "FACTNET_NODE1_KAFKA_PASSWORD", "node-pw",
            "FACTNET_METADATA_KAFKA_PASSWORD", "metadata-pw");

    /**
     * docker/compose.secure.yaml over compose.yaml: no listener without SASL, the authorizer denies what is not
     * listed, every factnet process uses its own principal of {@link io.factnet.topics.KafkaAcls}, the setup creates
     * exactly the users of that ACL set, and a missing password stops compose with the variable's name.
     */
    @Test
    void theSecureOverlayLocksKafkaAndGivesEachProcessItsPrincipal() throws Exception {
        Assumptions.assumeTrue(onPath("docker-compose"), "docker-compose is not installed here");
        Ran config = run(SECURE_PASSWORDS, "docker-compose", "-f", "docker/compose.yaml", "-f", "docker/compose.secure.yaml", "config");
        assertThat(config.exit()).as(config.out()).isZero();
        JsonNode services = YAML.readTree(config.out()).get("services");

        Map<String, String> broker = env(services.get("kafka"));
        for (String listener : broker.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")) {
            assertThat(listener).endsWith(":SASL_PLAINTEXT");
        }
        assertThat(broker).containsEntry("KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false").containsEntry("KAFKA_SUPER_USERS", "User:admin");

        Map<String, String> principals = new java.util.TreeMap<>();
        services.fieldNames().forEachRemaining(name -> {
            Map<String, String> settings = env(services.get(name));
            if (settings != null && settings.containsKey("FACTNET_BOOTSTRAP_SERVERS") && !name.equals("kafka-setup")) {
                assertThat(settings).as(name).containsEntry("FACTNET_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
                        .containsEntry("FACTNET_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
                java.util.regex.Matcher user = java.util.regex.Pattern.compile("username=\"([^\"]+)\"")
                        .matcher(settings.get("FACTNET_KAFKA_SASL_JAAS_CONFIG"));
                assertThat(user.find()).as(name).isTrue();
                principals.put(name, user.group(1));
                if (name.startsWith("node-")) {
                    assertThat(settings).as(name + ": a node principal may not register its node").containsEntry("FACTNET_REGISTER", "false");
                }
            }
        });
        assertThat(principals).containsEntry("controller-1", io.factnet.topics.KafkaAcls.CONTROLLER)
                .containsEntry("controller-2", io.factnet.topics.KafkaAcls.CONTROLLER)
                .containsEntry("api", io.factnet.topics.KafkaAcls.GATEWAY)
                .containsEntry("cli", io.factnet.topics.KafkaAcls.OPERATOR)
                .containsEntry("node-1-routing", io.factnet.topics.KafkaAcls.nodeUser("node-1"))
                .containsEntry("node-1-tunneling", io.factnet.topics.KafkaAcls.nodeUser("node-1"))
                .containsEntry("metadata-1", io.factnet.topics.KafkaAcls.METADATA);

        List<String> setup = command(services.get("kafka-setup"));
        assertThat(setup).startsWith("kafka-acls", "--apply").containsSubsequence("--node", "node-1=routing,addressing,bridging,tunneling");
        List<String> users = new ArrayList<>();
        for (int i = 0; i < setup.size() - 1; i++) {
            if (setup.get(i).equals("--scram-user")) {
                users.add(setup.get(i + 1).substring(0, setup.get(i + 1).indexOf('=')));
            }
        }
        io.factnet.topics.KafkaAcls.Installation installation = new io.factnet.topics.KafkaAcls.Installation(
                io.factnet.topics.KafkaAcls.CONTROLLER, Map.of("node-1", java.util.EnumSet.allOf(NodeRole.class)), true);
        assertThat(users).containsExactlyInAnyOrderElementsOf(installation.users());
        assertThat(CliCapture.run(List.of(setup.get(0), "--help")).out()).as("kafka-acls is a factnet command").contains("--scram-user");

        Map<String, String> missing = new java.util.HashMap<>(SECURE_PASSWORDS);
        missing.remove("FACTNET_GATEWAY_KAFKA_PASSWORD");
        Ran refused = run(missing, "docker-compose", "-f", "docker/compose.yaml", "-f", "docker/compose.secure.yaml", "config");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).contains("FACTNET_GATEWAY_KAFKA_PASSWORD");
    }
}
