package io.factnet.cli.show;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.cli.output.JsonLines;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.stage.Check;
import io.factnet.text.SafeText;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code factnet show <what>}: reads the state through a controller's HTTP API (any controller: it routes
 * the query to the owner) and prints a table, or with {@code --json} one JSON object per line (the API's
 * objects, docs/api.md). Exit 0, or 1 with one line on stderr (no controller, unknown project, bad option).
 */
@Command(name = "show", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
        description = {"Show networks, instances, floating IPs, security groups, VPNs, nodes or pools, read from a controller's HTTP API."})
public final class ShowCommand implements Callable<Integer> {
    static final List<String> WHAT = List.of("networks", "instances", "floating-ips", "groups", "vpns", "nodes", "pools");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "WHAT", completionCandidates = Kinds.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String what;

    @Option(names = "--project", paramLabel = "PROJECT", description = "Only this project (networks, instances, floating-ips, groups, vpns).")
    String project;

    @Option(names = "--pool", paramLabel = "POOL", description = "Only floating IPs of this pool (floating-ips).")
    String pool;

    @Option(names = "--controller", paramLabel = "URL", defaultValue = "${env:FACTNET_CONTROLLER_URL:-http://127.0.0.1:8080}",
            description = "A controller's HTTP API (env FACTNET_CONTROLLER_URL; default ${DEFAULT-VALUE}).")
    String controller;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    static final class Kinds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return WHAT.iterator();
        }
    }

    /** What to print: the API's objects (for --json) and the same as a table. */
    private record Listing(List<JsonNode> items, Table table) {
    }

    @Override
    public Integer call() {
        if (!WHAT.contains(what)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot show " + SafeText.quote(what) + ": one of " + WHAT);
        }
        checkName("--project", project, List.of("networks", "instances", "floating-ips", "groups", "vpns"));
        checkName("--pool", pool, List.of("floating-ips"));
        ControllerClient client = new ControllerClient(controller);
        Listing listing = switch (what) {
            case "networks" -> networks(projects(client));
            case "groups" -> groups(projects(client));
            case "vpns" -> vpns(projects(client));
            case "instances" -> instances(client.all(project != null ? "/v1/projects/" + project + "/instances" : "/v1/instances"));
            case "floating-ips" -> floatingIps(client.all("/v1/floating-ips" + query()));
            case "nodes" -> nodes(client.all("/v1/nodes"));
            default -> pools(client.all("/v1/pools"));
        };
        print(listing);
        return 0;
    }

    private void checkName(String option, String value, List<String> appliesTo) {
        if (value == null) {
            return;
        }
        if (!appliesTo.contains(what)) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " does not apply to " + what);
        }
        if (!Check.NAME.matcher(value).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit: " + SafeText.quote(value));
        }
    }

    private String query() {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        if (pool != null) {
            query.add("pool=" + pool);
        }
        if (project != null) {
            query.add("project=" + project);
        }
        return query.toString();
    }

    private List<JsonNode> projects(ControllerClient client) {
        List<JsonNode> projects = new ArrayList<>();
        if (project != null) {
            projects.add(client.get("/v1/projects/" + project));
        } else {
            client.all("/v1/projects").path("projects").forEach(projects::add);
        }
        return projects;
    }

    // ------------------------------------------------------------------ listings

    private static Listing networks(List<JsonNode> projects) {
        Listing listing = new Listing(new ArrayList<>(), new Table("PROJECT", "VLAN", "CIDR", "GATEWAY", "BRIDGE", "ROUTING",
                "ADDRESSING", "BRIDGING", "FIXED-IPS", "FLOATING-IPS"));
        for (JsonNode project : projects) {
            JsonNode network = project.path("network");
            if (network.isObject()) {
                listing.items().add(network);
                JsonNode nodes = network.path("nodes");
                listing.table().row(text(network, "project"), text(network, "vlan"), text(network, "cidr"), text(network, "gateway"),
                        text(network, "bridge"), text(nodes, "routing"), text(nodes, "addressing"), text(nodes, "bridging"),
                        text(project.path("usage"), "fixedIps"), text(project.path("usage"), "floatingIps"));
            }
        }
        return listing;
    }

    private static Listing groups(List<JsonNode> projects) {
        Listing listing = new Listing(new ArrayList<>(), new Table("PROJECT", "GROUP", "SUBNET", "INSTANCES", "RESERVED", "RULES"));
        for (JsonNode project : projects) {
            for (JsonNode group : project.path("groups")) {
                ObjectNode item = JSON.createObjectNode().put("project", text(project, "project"));
                item.setAll((ObjectNode) group);
                listing.items().add(item);
                StringJoiner rules = new StringJoiner(", ");
                group.path("rules").forEach(rule -> rules.add(rule(rule)));
                StringJoiner reserved = new StringJoiner(", ");
                group.path("reserved").forEach(reservation -> reserved.add(text(reservation, "address")));
                listing.table().row(text(project, "project"), text(group, "name"), text(group, "subnet"), text(group, "instances"),
                        reserved.toString(), rules.toString());
            }
        }
        return listing;
    }

    /** {@code r1 tcp/80-81 from 0.0.0.0/0}, {@code r2 icmp 8/0 from group web}, {@code r3 egress tcp/80 to 192.0.2.10/32}. */
    static String rule(JsonNode rule) {
        String protocol = text(rule, "protocol").toLowerCase(Locale.ROOT);
        String what = switch (protocol) {
            case "tcp", "udp" -> protocol + "/" + (rule.path("fromPort").isNull() ? "any"
                    : rule.path("fromPort").asInt() == rule.path("toPort").asInt(rule.path("fromPort").asInt()) ? text(rule, "fromPort")
                    : text(rule, "fromPort") + "-" + text(rule, "toPort"));
            case "icmp" -> "icmp " + (rule.path("icmpType").isNull() ? "any" : text(rule, "icmpType")
                    + (rule.path("icmpCode").isNull() ? "" : "/" + text(rule, "icmpCode")));
            default -> protocol;
        };
        if ("EGRESS".equals(rule.path("direction").asText())) {
            String to = rule.path("destinationGroup").isNull() || rule.path("destinationGroup").isMissingNode()
                    ? text(rule, "destinationCidr") : "group " + text(rule, "destinationGroup");
            return text(rule, "ruleId") + " egress " + what + " to " + to;
        }
        String from = rule.path("sourceGroup").isNull() || rule.path("sourceGroup").isMissingNode()
                ? text(rule, "sourceCidr") : "group " + text(rule, "sourceGroup");
        return text(rule, "ruleId") + " " + what + " from " + from;
    }

    private static Listing vpns(List<JsonNode> projects) {
        Listing listing = new Listing(new ArrayList<>(), new Table("PROJECT", "NODE", "ENDPOINT", "INTERFACE", "ADDRESS", "PEERS"));
        for (JsonNode project : projects) {
            JsonNode vpn = project.path("vpn");
            if (vpn.isObject()) {
                listing.items().add(vpn);
                listing.table().row(text(vpn, "project"), text(vpn, "nodeId"), text(vpn, "publicAddress") + ":" + text(vpn, "port"),
                        text(vpn, "interfaceName"), text(vpn, "address"), vpn.path("peers").size());
            }
        }
        return listing;
    }

    private static Listing instances(JsonNode answer) {
        // HOST: the compute host its port is on (ADR 0035); "-" for the network's bridging node (the network host)
        Listing listing = new Listing(new ArrayList<>(), new Table("PROJECT", "INSTANCE", "GROUP", "ADDRESS", "MAC", "HOSTNAME",
                "HOST", "LEASED", "STATUS", "DOWN-SINCE", "FLOATING-IPS"));
        for (JsonNode instance : answer.path("instances")) {
            listing.items().add(instance);
            StringJoiner floating = new StringJoiner(",");
            instance.path("floatingIps").forEach(ip -> floating.add(ip.asText()));
            // DOWN: the network's bridging node saw its port gone (InstanceGone, ADR 0031); an older controller has no status
            String status = instance.path("status").asText("UP").toLowerCase(java.util.Locale.ROOT);
            JsonNode downSince = instance.path("downSince");
            String since = downSince.isNumber() ? java.time.Instant.ofEpochMilli(downSince.asLong()).toString() : "-";
            listing.table().row(text(instance, "project"), text(instance, "instance"), text(instance, "group"), text(instance, "address"),
                    text(instance, "mac"), text(instance, "hostname"), instance.path("host").isTextual() ? text(instance, "host") : "-", instance.path("leased").asBoolean() ? "yes" : "no", status, since,
                    floating);
        }
        return listing;
    }

    private static Listing floatingIps(JsonNode answer) {
        Listing listing = new Listing(new ArrayList<>(), new Table("ADDRESS", "POOL", "PROJECT", "INSTANCE", "FIXED-ADDRESS", "AUTO"));
        for (JsonNode ip : answer.path("floatingIps")) {
            listing.items().add(ip);
            listing.table().row(text(ip, "address"), text(ip, "pool"), text(ip, "project"), text(ip, "instance"), text(ip, "fixedAddress"),
                    ip.path("autoAssigned").asBoolean() ? "yes" : "-");
        }
        return listing;
    }

    private static Listing nodes(JsonNode answer) {
        Listing listing = new Listing(new ArrayList<>(), new Table("NODE", "ROLES", "PUBLIC-ADDRESS", "LOAD", "VPN-PORTS", "APPLIED"));
        for (JsonNode node : answer.path("nodes")) {
            listing.items().add(node);
            StringJoiner roles = new StringJoiner(",");
            node.path("roles").forEach(role -> roles.add(role.asText().toLowerCase(Locale.ROOT)));
            StringJoiner load = new StringJoiner(" ");
            node.path("load").fields().forEachRemaining(e -> load.add(e.getKey().toLowerCase(Locale.ROOT) + "=" + e.getValue().asText()));
            StringJoiner applied = new StringJoiner(" ");
            for (Iterator<Map.Entry<String, JsonNode>> acks = node.path("applied").fields(); acks.hasNext(); ) {
                Map.Entry<String, JsonNode> ack = acks.next();
                applied.add(ack.getKey().toLowerCase(Locale.ROOT) + "@" + ack.getValue().path("appliedOffset").asText()
                        + (ack.getValue().path("error").isNull() ? "" : "(error)"));
            }
            JsonNode ports = node.path("vpnPorts");
            listing.table().row(text(node, "nodeId"), node.path("registered").asBoolean() ? roles : "(not registered)",
                    text(node, "publicAddress"), load, ports.isObject() ? text(ports, "used") + " of " + text(ports, "first") + "-"
                            + text(ports, "last") : "", applied);
        }
        return listing;
    }

    private static Listing pools(JsonNode answer) {
        Listing listing = new Listing(new ArrayList<>(), new Table("KIND", "POOL", "RANGE", "SIZE", "USED"));
        for (JsonNode vlan : answer.path("vlanRanges")) {
            listing.items().add(JSON.createObjectNode().put("kind", "vlan").setAll((ObjectNode) vlan));
            listing.table().row("vlan", text(vlan, "physicalNetwork"), text(vlan, "first") + "-" + text(vlan, "last"),
                    text(vlan, "size"), text(vlan, "used"));
        }
        JsonNode supernet = answer.path("supernet");
        if (supernet.isObject()) {
            listing.items().add(JSON.createObjectNode().put("kind", "supernet").setAll((ObjectNode) supernet));
            listing.table().row("supernet", text(supernet, "cidr"), "/" + text(supernet, "blockPrefix") + " blocks, /"
                    + text(supernet, "groupPrefix") + " group subnets", text(supernet, "size"), text(supernet, "used"));
        }
        for (JsonNode floating : answer.path("floatingPools")) {
            listing.items().add(JSON.createObjectNode().put("kind", "floating").setAll((ObjectNode) floating));
            StringJoiner range = new StringJoiner(",");
            floating.path("cidrs").forEach(c -> range.add(c.asText()));
            floating.path("ranges").forEach(r -> range.add(r.asText()));
            listing.table().row("floating", text(floating, "pool"), range, text(floating, "size"), text(floating, "used"));
        }
        return listing;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isNull() || value.isMissingNode() ? "" : value.asText();
    }

    private void print(Listing listing) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            listing.items().forEach(item -> JsonLines.println(out, item));
        } else if (listing.table().isEmpty()) {
            out.println("no " + what + (project != null ? " in project " + project : ""));
        } else {
            listing.table().print(out);
        }
        out.flush();
    }
}
