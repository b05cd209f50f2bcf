package io.factnet.cli;

import io.factnet.text.SafeText;

/** Turns an exception into the one line a user needs: the deepest cause's message, escaped and cut ({@link SafeText#line}). */
final class UserErrors {
    private UserErrors() {
    }

    static String describe(Throwable e) {
        return SafeText.line(message(e));
    }

    private static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause != e && e.getMessage() != null && !e.getMessage().contains(message)) {
            return e.getMessage() + ": " + message;
        }
        return message;
    }
}
