package io.factnet.controller.project;

import io.factnet.model.Grant;

/** The project stage's handling of one command type. */
interface Handler<C> {

    /** Validates and applies the command, or asks the pools first. Refusals throw {@link io.factnet.controller.stage.Rejected}. */
    Handled handle(ProjectContext ctx, C command);

    /** Finishes a command after the pools granted its claim (only for handlers that return Await). */
    default Handled.Done granted(ProjectContext ctx, C command, Grant grant) {
        throw new IllegalStateException(getClass().getSimpleName() + " sent no claim");
    }
}
