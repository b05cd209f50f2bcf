package io.factnet.net;

/**
 * A value from the desired state that must not reach a rule, a file or a command. The message
 * quotes the offending input escaped ({@link Printable#quote}), so logging it is safe too.
 */
public final class InvalidValueException extends IllegalArgumentException {
    public InvalidValueException(String what, String input, String why) {
        super(what + " " + Printable.quote(input) + ": " + why);
    }
}
