package io.factnet.cli.api;

import java.util.Set;

/**
 * Who calls, from a checked token: its subject, the project it names (null: none) and its roles.
 * {@code member} may change its project, {@code reader} may only read it, {@code admin} may call the
 * admin paths and read every project (ADR 0029).
 */
record Caller(String subject, String project, Set<String> roles) {
    static final String MEMBER = "member";
    static final String READER = "reader";
    static final String ADMIN = "admin";

    Caller {
        roles = Set.copyOf(roles);
    }

    boolean admin() {
        return roles.contains(ADMIN);
    }

    /** May see the project at all: its own (as member or reader), or any as admin. Any other is answered as missing. */
    boolean sees(String name) {
        return admin() || (name.equals(project) && (roles.contains(MEMBER) || roles.contains(READER)));
    }

    /** May change the project through its own paths: a member of it (an admin acts through /v1/admin). */
    boolean changes(String name) {
        return name.equals(project) && roles.contains(MEMBER);
    }
}
