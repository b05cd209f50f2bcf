package io.factnet.cli.client;

import io.factnet.topics.RequestRoutes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's generic command paths: the part of its HTTP contract a client needs to send any command.
 * The gateway builds its routes from them; a client builds the path of the command it sends.
 */
public final class CommandPaths {
    private CommandPaths() {
    }

    /** Whether the gateway serves commands of this scope (node and internal commands it does not). */
    public static boolean served(RequestRoutes.Scope scope) {
        return scope == RequestRoutes.Scope.PROJECT || scope == RequestRoutes.Scope.POOL_ADMIN
                || scope == RequestRoutes.Scope.PROJECT_ADMIN;
    }

    /** The path template of a command, with {@code {project}} where the project goes. */
    public static String template(String commandName, RequestRoutes.Scope scope) {
        String name = Names.kebab(commandName);
        return switch (scope) {
            case PROJECT -> "/v1/projects/{project}/commands/" + name;
            case POOL_ADMIN -> "/v1/admin/commands/" + name;
            default -> "/v1/admin/projects/{project}/commands/" + name;
        };
    }

    /** The generic path of a command for a project (percent-encoded), as a client calls it; null for commands not served. */
    public static String path(String commandName, String project) {
        RequestRoutes.Scope scope = RequestRoutes.scopeOf(commandName);
        if (!served(scope)) {
            return null;
        }
        return template(commandName, scope).replace("{project}",
                URLEncoder.encode(project, StandardCharsets.UTF_8).replace("+", "%20"));
    }
}
