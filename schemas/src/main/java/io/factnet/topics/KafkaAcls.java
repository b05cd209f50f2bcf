package io.factnet.topics;

import io.factnet.model.NodeRole;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on Kafka: the one definition of factnet's principals and their ACLs (principal, resource
 * pattern, operations). The embedded broker's secured mode applies it, {@code factnet kafka-acls} prints it as
 * {@code kafka-acls.sh} lines or applies it to a real cluster, and the tests check the broker enforces it.
 * With {@code allow.everyone.if.no.acl.found=false} a principal may do only what is listed here.
 *
 * <p>Kafka authorizes topics, groups and transactional ids, never keys: whoever may write
 * {@code factnet.requests} may write any project's key. The gateway, which authenticates tenants, is the trust
 * boundary for projects (docs/deploy.md, ADR 0028).
 */
public final class KafkaAcls {
    /** The controller's user, and its default {@code application.id}. */
    public static final String CONTROLLER = "factnet-controller";
    /** The REST gateway ({@code factnet api}): writes requests (project and admin paths), reads results. */
    public static final String GATEWAY = "factnet-gateway";
    /** Apicurio Registry keeping its schemas in Kafka (kafkasql storage). */
    public static final String REGISTRY = "factnet-registry";
    /** The registry's topics (its journal and snapshots) and consumer groups begin with these. */
    public static final String REGISTRY_TOPIC_PREFIX = "kafkasql-";
    public static final String REGISTRY_GROUP_PREFIX = "factnet-registry-";
    /** Operators: admin requests, project requests on a project's behalf, reading everything. */
    public static final String OPERATOR = "factnet-operator";
    /** The metadata service ({@code factnet metadata}, ADR 0033): reads the three facts it answers from, nothing else. */
    public static final String METADATA = "factnet-metadata";
    /** Node principals are {@code factnet-node-<node id>}: one per node, so that one can be revoked. */
    public static final String NODE_PREFIX = "factnet-node-";

    /** A user name a SCRAM credential and an ACL can carry as they are (no quoting anywhere). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private KafkaAcls() {
    }

    public static String nodeUser(String nodeId) {
        return checkedName(NODE_PREFIX + nodeId);
    }

    public static String principal(String user) {
        return "User:" + user;
    }

    static String checkedName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a usable Kafka user or resource name: \"" + name + "\"");
        }
        return name;
    }

    /** One line of the ACL set: a user may do these operations on the resources the pattern names. */
    public record Grant(String user, ResourceType type, String name, PatternType patternType, Set<AclOperation> operations,
                        String why) {
        public Grant {
            operations = Set.copyOf(operations);
        }

        /** The pattern this grant covers. */
        public ResourcePattern pattern() {
            return new ResourcePattern(type, name, patternType);
        }

        /** Kafka's bindings: one per operation, allowed from any host. */
        public List<AclBinding> bindings() {
            List<AclBinding> bindings = new ArrayList<>();
            for (AclOperation operation : sorted(operations)) {
                bindings.add(new AclBinding(pattern(), new AccessControlEntry(principal(user), "*", operation, AclPermissionType.ALLOW)));
            }
            return bindings;
        }

        /** The same grant as a {@code kafka-acls.sh} command ({@code $B}: bootstrap server and the admin's --command-config). */
        public String kafkaAclsCommand() {
            StringBuilder line = new StringBuilder("kafka-acls.sh $B --add --allow-principal ").append(principal(user));
            for (AclOperation operation : sorted(operations)) {
                line.append(" --operation ").append(operationName(operation));
            }
            if (patternType == PatternType.PREFIXED) {
                line.append(" --resource-pattern-type prefixed");
            }
            line.append(switch (type) {
                case TOPIC -> " --topic ";
                case GROUP -> " --group ";
                case TRANSACTIONAL_ID -> " --transactional-id ";
                case CLUSTER -> " --cluster";
                default -> throw new IllegalStateException("no kafka-acls.sh option for " + type);
            });
            if (type != ResourceType.CLUSTER) {
                line.append(name.equals(ResourcePattern.WILDCARD_RESOURCE) ? "'*'" : name);
            }
            return line.toString();
        }
    }

    /** What one installation runs: the controller's application id and each node with the roles its agents play. */
    public record Installation(String applicationId, Map<String, Set<NodeRole>> nodes, boolean controllerCreatesTopics) {
        public Installation {
            checkedName(applicationId);
            Map<String, Set<NodeRole>> copy = new TreeMap<>();
            nodes.forEach((node, roles) -> copy.put(checkedName(node), Set.copyOf(roleSet(roles))));
            nodes = Map.copyOf(copy);
        }

        /** Every user this installation has, in a stable order. */
        public List<String> users() {
            List<String> users = new ArrayList<>(List.of(CONTROLLER, GATEWAY, OPERATOR, REGISTRY, METADATA));
            new TreeMap<>(nodes).keySet().forEach(node -> users.add(nodeUser(node)));
            return users;
        }
    }

    /** Every grant of the installation: controller, gateway, operator, registry, metadata service, then each node. */
    public static List<Grant> all(Installation installation) {
        List<Grant> grants = new ArrayList<>(controller(CONTROLLER, installation.applicationId(), installation.controllerCreatesTopics()));
        grants.addAll(gateway(GATEWAY));
        grants.addAll(operator(OPERATOR));
        grants.addAll(registry(REGISTRY));
        grants.addAll(metadata(METADATA));
        new TreeMap<>(installation.nodes()).forEach((node, roles) -> grants.addAll(node(nodeUser(node), roles)));
        return grants;
    }

    /** The controller: its inputs, its outputs, its Kafka Streams internals, its group and its transactional ids. */
    public static List<Grant> controller(String user, String applicationId, boolean createsTopics) {
        checkedName(user);
        checkedName(applicationId);
        List<Grant> grants = new ArrayList<>();
        for (Topic<?, ?> input : List.of(Topics.REQUESTS, Topics.ADMIN_REQUESTS, Topics.NODE_EVENTS)) {
            grants.add(topic(user, input.name(), PatternType.LITERAL, "reads its inputs", AclOperation.READ, AclOperation.DESCRIBE));
        }
        for (Topic<?, ?> output : List.of(Topics.RESULTS, Topics.DEAD_LETTERS)) {
            grants.add(topic(user, output.name(), PatternType.LITERAL, "writes answers and dead letters",
                    AclOperation.WRITE, AclOperation.DESCRIBE));
        }
        grants.add(topic(user, "factnet.state.", PatternType.PREFIXED, "writes the facts", AclOperation.WRITE, AclOperation.DESCRIBE));
        grants.add(topic(user, "factnet.node.", PatternType.PREFIXED,
                "writes every node's desired state (the dot keeps factnet.node-events out; Describe: /metrics reads end offsets)",
                AclOperation.WRITE, AclOperation.DESCRIBE));
        grants.add(topic(user, "factnet.internal.", PatternType.PREFIXED, "the saga's claims and grants: it writes and reads them",
                AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
        grants.add(topic(user, applicationId + "-", PatternType.PREFIXED,
                "Kafka Streams' own topics (changelogs): creates, reads, writes, cleans them", AclOperation.ALL));
        grants.add(new Grant(user, ResourceType.GROUP, applicationId, PatternType.LITERAL, Set.of(AclOperation.READ, AclOperation.DESCRIBE),
                "its consumer group (application.id)"));
        grants.add(new Grant(user, ResourceType.GROUP, ResourcePattern.WILDCARD_RESOURCE, PatternType.LITERAL, Set.of(AclOperation.DESCRIBE),
                "sees the other groups' offsets on the saga topics: it refuses to start beside another controller group (ADR 0014)"));
        grants.add(new Grant(user, ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED,
                Set.of(AclOperation.WRITE, AclOperation.DESCRIBE), "exactly_once_v2: <application.id>-<process>-<thread>"));
        if (createsTopics) {
            grants.add(topic(user, "factnet.", PatternType.PREFIXED, "creates factnet's topics when missing (else an admin does, once)",
                    AclOperation.CREATE, AclOperation.DESCRIBE_CONFIGS));
        }
        return grants;
    }

    /** A node's agents: each reads its role's topic (by assignment, no group) and they write node events. */
    public static List<Grant> node(String user, Collection<NodeRole> roles) {
        checkedName(user);
        List<Grant> grants = new ArrayList<>();
        EnumSet<NodeRole> agents = roleSet(roles);
        if (agents.contains(NodeRole.ROUTING) || agents.contains(NodeRole.ADDRESSING)) {
            agents.add(NodeRole.BRIDGING); // every node of a network carries its bridge (ADR 0046)
        }
        for (NodeRole role : agents) {
            grants.add(topic(user, Topics.forRole(role).name(), PatternType.LITERAL,
                    "its " + role.name().toLowerCase(Locale.ROOT) + " agent reads its desired state", AclOperation.READ, AclOperation.DESCRIBE));
        }
        grants.add(topic(user, Topics.NODE_EVENTS.name(), PatternType.LITERAL, "leases and applied acks",
                AclOperation.WRITE, AclOperation.DESCRIBE));
        return grants;
    }

    /**
     * The gateway: project requests, and admin requests for the tokens with the admin role it serves under
     * /v1/admin; it reads results to answer. It checks who may act for which project: Kafka cannot.
     */
    public static List<Grant> gateway(String user) {
        checkedName(user);
        return List.of(
                topic(user, Topics.REQUESTS.name(), PatternType.LITERAL, "project requests", AclOperation.WRITE, AclOperation.DESCRIBE),
                topic(user, Topics.ADMIN_REQUESTS.name(), PatternType.LITERAL, "admin requests, for tokens with the admin role",
                        AclOperation.WRITE, AclOperation.DESCRIBE),
                topic(user, Topics.RESULTS.name(), PatternType.LITERAL, "waits for results (by assignment, no group)",
                        AclOperation.READ, AclOperation.DESCRIBE));
    }

    /** Operators: both request topics, and reading every factnet topic to inspect and replay. */
    public static List<Grant> operator(String user) {
        checkedName(user);
        return List.of(
                topic(user, Topics.ADMIN_REQUESTS.name(), PatternType.LITERAL, "admin requests", AclOperation.WRITE, AclOperation.DESCRIBE),
                topic(user, Topics.REQUESTS.name(), PatternType.LITERAL, "project requests on a project's behalf",
                        AclOperation.WRITE, AclOperation.DESCRIBE),
                topic(user, "factnet.", PatternType.PREFIXED, "reads everything: results, facts, node state, events",
                        AclOperation.READ, AclOperation.DESCRIBE));
    }

    /**
     * The schema registry (Apicurio with kafkasql storage): its own topics, which it creates, and its consumer groups
     * (set {@code APICURIO_KAFKASQL_CONSUMER_GROUP_PREFIX} to {@value #REGISTRY_GROUP_PREFIX} and
     * {@code APICURIO_EVENTS_KAFKA_TOPIC} to {@code kafkasql-events}). Nothing of factnet's.
     */
    public static List<Grant> registry(String user) {
        checkedName(user);
        return List.of(
                topic(user, REGISTRY_TOPIC_PREFIX, PatternType.PREFIXED, "its journal, snapshots and events, created at its first start",
                        AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS),
                new Grant(user, ResourceType.GROUP, REGISTRY_GROUP_PREFIX, PatternType.PREFIXED, Set.of(AclOperation.READ, AclOperation.DESCRIBE),
                        "its consumer groups"));
    }

    /**
     * The metadata service: the fixed IPs, floating IPs and instances' metadata it answers instances from (by
     * assignment, no group). It writes nothing: what an instance asks can never become a request.
     */
    public static List<Grant> metadata(String user) {
        checkedName(user);
        List<Grant> grants = new ArrayList<>();
        for (Topic<?, ?> fact : List.of(Topics.STATE_FIXED_IPS, Topics.STATE_FLOATING_IPS, Topics.STATE_INSTANCE_METADATA)) {
            grants.add(topic(user, fact.name(), PatternType.LITERAL, "reads the facts it answers instances from",
                    AclOperation.READ, AclOperation.DESCRIBE));
        }
        return grants;
    }

    /** Kafka's bindings of these grants. */
    public static List<AclBinding> bindings(Collection<Grant> grants) {
        return grants.stream().flatMap(grant -> grant.bindings().stream()).toList();
    }

    /** These grants as a shell script of {@code kafka-acls.sh} commands, each after a comment that says why. */
    public static String script(Collection<Grant> grants) {
        StringBuilder script = new StringBuilder();
        String user = null;
        for (Grant grant : grants) {
            if (!grant.user().equals(user)) {
                user = grant.user();
                script.append(script.isEmpty() ? "" : "\n").append("# ").append(principal(user)).append('\n');
            }
            script.append("# ").append(grant.why()).append('\n').append(grant.kafkaAclsCommand()).append('\n');
        }
        return script.toString();
    }

    private static Grant topic(String user, String name, PatternType patternType, String why, AclOperation... operations) {
        return new Grant(user, ResourceType.TOPIC, name, patternType, Set.of(operations), why);
    }

    private static EnumSet<NodeRole> roleSet(Collection<NodeRole> roles) {
        EnumSet<NodeRole> set = EnumSet.noneOf(NodeRole.class);
        set.addAll(roles);
        return set;
    }

    private static List<AclOperation> sorted(Set<AclOperation> operations) {
        return new ArrayList<>(new LinkedHashSet<>(EnumSet.copyOf(operations)));
    }

    private static String operationName(AclOperation operation) {
        // kafka-acls.sh spells them in CamelCase: Read, Write, DescribeConfigs, All
        StringBuilder name = new StringBuilder();
        for (String word : operation.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return name.toString();
    }
}
