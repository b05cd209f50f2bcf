package io.factnet.cli.api;

import java.util.List;
import java.util.Set;

/**
 * The read paths: a project's own state, forwarded to the controller's HTTP API once the token may see the project
 * (ADR 0029), the admin's lists, and the poll link of a request. {@code target} is the controller's path with
 * {@code {project}} filled in (null: answered by the gateway itself); only the {@code allowed} query parameters pass.
 */
final class Reads {
    private Reads() {
    }

    record Read(String template, String operationId, String summary, boolean admin, String target, Set<String> allowed) {
        List<String> segments() {
            return List.of(template.substring(1).split("/"));
        }
    }

    static final String POLL = "poll";

    static final List<Read> ALL = List.of(
            new Read("/v1/projects/{project}", "getProject", "The project: network, quotas, usage, groups and rules, VPN",
                    false, "/v1/projects/{project}", Set.of()),
            new Read("/v1/projects/{project}/instances", "listInstances", "The project's instances (fixed IPs), in pages",
                    false, "/v1/projects/{project}/instances", Set.of("limit", "cursor")),
            new Read("/v1/projects/{project}/floating-ips", "listFloatingIps", "The project's floating IPs, in pages",
                    false, "/v1/floating-ips?project={project}", Set.of("limit", "cursor", "pool")),
            new Read("/v1/projects/{project}/requests/{requestId}", "getRequest",
                    "A request's result (the 202's Location): 200 with the result, 202 while it is pending", false, POLL, Set.of()),
            new Read("/v1/admin/requests/{requestId}", "getAdminRequest", "A pool-wide admin request's result (project _admin)",
                    true, POLL, Set.of()),
            new Read("/v1/admin/projects", "adminListProjects", "Every project", true, "/v1/projects", Set.of("limit", "cursor")),
            new Read("/v1/admin/instances", "adminListInstances", "Every instance", true, "/v1/instances", Set.of("limit", "cursor")),
            new Read("/v1/admin/floating-ips", "adminListFloatingIps", "Every floating IP", true, "/v1/floating-ips",
                    Set.of("limit", "cursor", "pool", "project")),
            new Read("/v1/admin/pools", "adminListPools", "VLAN ranges, supernet, floating pools", true, "/v1/pools",
                    Set.of("limit", "cursor")),
            new Read("/v1/admin/nodes", "adminListNodes", "Nodes and their agents' acks", true, "/v1/nodes", Set.of("limit", "cursor")));
}
