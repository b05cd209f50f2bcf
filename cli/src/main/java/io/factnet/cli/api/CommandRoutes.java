package io.factnet.cli.api;

import io.factnet.cli.client.CommandPaths;
import io.factnet.cli.request.RequestCommand;
import io.factnet.topics.RequestRoutes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The REST paths of the commands. The commands themselves, their fields, types, defaults and docs come from the
 * same list {@code factnet request} is made of ({@link RequestCommand#commandSchemas()}, the {@code Request.command}
 * union), and their scope from {@link RequestRoutes}. Every project and admin command has a generic path
 * ({@code POST /v1/projects/{project}/commands/<kebab-name>}, {@code POST /v1/admin/commands/<kebab-name>},
 * {@code POST /v1/admin/projects/{project}/commands/<kebab-name>}), so a command added to the schema is served at
 * once; {@link #RESOURCE_PATHS} adds the resource-style path users know for each command of today. Path parameters
 * other than {@code project} are fields of the command; node events are not served (agents write them).
 */
final class CommandRoutes {
    private CommandRoutes() {
    }

    /** One path of one command. {@code template} segments in braces are parameters: {@code project} or a field. */
    record Route(String method, String template, Schema command, RequestRoutes.Scope scope, boolean generic) {
        List<String> segments() {
            return List.of(template.substring(1).split("/"));
        }

        boolean admin() {
            return template.startsWith("/v1/admin/");
        }

        String commandName() {
            return command.getName();
        }

        /** The fields given in the path (not {@code project}). */
        List<String> pathFields() {
            List<String> fields = new ArrayList<>();
            for (String segment : segments()) {
                if (segment.startsWith("{") && !segment.equals("{project}")) {
                    fields.add(segment.substring(1, segment.length() - 1));
                }
            }
            return fields;
        }
    }

    /** The resource-style path of each command of today (method and template); the fields and docs come from the schema. */
    static final Map<String, String> RESOURCE_PATHS = Map.ofEntries(
            Map.entry("DefineVlanRange", "PUT /v1/admin/vlan-ranges/{physicalNetwork}"),
            Map.entry("DefineSupernet", "PUT /v1/admin/supernet"),
            Map.entry("DefineFloatingPool", "PUT /v1/admin/floating-pools/{pool}"),
            Map.entry("RegisterNode", "PUT /v1/admin/nodes/{nodeId}"),
            Map.entry("MoveNetwork", "POST /v1/admin/projects/{project}/network/moves"),
            Map.entry("SetProjectQuota", "PATCH /v1/admin/projects/{project}/quota"),
            Map.entry("CreateNetwork", "POST /v1/projects/{project}/network"),
            Map.entry("DeleteNetwork", "DELETE /v1/projects/{project}/network"),
            Map.entry("CreateSecurityGroup", "POST /v1/projects/{project}/security-groups"),
            Map.entry("DeleteSecurityGroup", "DELETE /v1/projects/{project}/security-groups/{name}"),
            Map.entry("AddRule", "POST /v1/projects/{project}/security-groups/{group}/rules"),
            Map.entry("RemoveRule", "DELETE /v1/projects/{project}/security-groups/{group}/rules/{ruleId}"),
            Map.entry("AllocateFixedIp", "POST /v1/projects/{project}/instances"),
            Map.entry("ReserveFixedAddress", "POST /v1/projects/{project}/security-groups/{group}/reservations"),
            Map.entry("UnreserveFixedAddress", "DELETE /v1/projects/{project}/security-groups/{group}/reservations/{address}"),
            Map.entry("ReleaseFixedIp", "DELETE /v1/projects/{project}/instances/{instance}"),
            Map.entry("SetInstanceMetadata", "PUT /v1/projects/{project}/instances/{instance}/metadata"),
            Map.entry("MoveInstance", "POST /v1/projects/{project}/instances/{instance}/moves"),
            Map.entry("AllocateFloatingIp", "POST /v1/projects/{project}/floating-ips"),
            Map.entry("ReleaseFloatingIp", "DELETE /v1/projects/{project}/floating-ips/{address}"),
            Map.entry("AssociateFloatingIp", "PUT /v1/projects/{project}/floating-ips/{address}/association"),
            Map.entry("DisassociateFloatingIp", "DELETE /v1/projects/{project}/floating-ips/{address}/association"),
            Map.entry("SetAutoAssignFloatingIp", "PUT /v1/projects/{project}/auto-assign-floating-ip"),
            Map.entry("CreateVpn", "POST /v1/projects/{project}/vpn"),
            Map.entry("DeleteVpn", "DELETE /v1/projects/{project}/vpn"),
            Map.entry("AddVpnPeer", "POST /v1/projects/{project}/vpn/peers"),
            Map.entry("RemoveVpnPeer", "DELETE /v1/projects/{project}/vpn/peers/{publicKey}"));

    private static final List<Route> ROUTES = build();

    static List<Route> all() {
        return ROUTES;
    }

    /** True for the scopes the gateway serves: project and admin commands, not the agents' node events. */
    private static List<Route> build() {
        List<Route> routes = new ArrayList<>();
        for (Schema command : RequestCommand.commandSchemas()) {
            RequestRoutes.Scope scope = RequestRoutes.scopeOf(command.getName());
            if (!CommandPaths.served(scope)) {
                continue;
            }
            String resource = RESOURCE_PATHS.get(command.getName());
            if (resource != null) {
                String[] parts = resource.split(" ", 2);
                routes.add(new Route(parts[0], parts[1], command, scope, false));
            }
            routes.add(new Route("POST", CommandPaths.template(command.getName(), scope), command, scope, true));
        }
        for (Route route : routes) {
            for (String field : route.pathFields()) {
                if (route.command().getField(field) == null) {
                    throw new IllegalStateException(route.template() + ": " + route.commandName() + " has no field " + field);
                }
            }
        }
        return List.copyOf(routes);
    }

    /** A route matched by a request: the route and the decoded path parameters. */
    record Match(Route route, Map<String, String> parameters) {
    }

    /** The route of this method and path (segments already percent-decoded), or null; {@code methods} collects the methods the path has. */
    static Match match(String method, List<String> path, List<String> methods) {
        Match found = null;
        for (Route route : ROUTES) {
            Map<String, String> parameters = parameters(route.segments(), path);
            if (parameters != null) {
                methods.add(route.method());
                if (route.method().equals(method)) {
                    found = new Match(route, parameters);
                }
            }
        }
        return found;
    }

    /** The parameters when the segments fit the template, else null. */
    static Map<String, String> parameters(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return null;
        }
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            if (t.startsWith("{")) {
                if (path.get(i).isEmpty()) {
                    return null;
                }
                parameters.put(t.substring(1, t.length() - 1), path.get(i));
            } else if (!t.equals(path.get(i))) {
                return null;
            }
        }
        return parameters;
    }
}
