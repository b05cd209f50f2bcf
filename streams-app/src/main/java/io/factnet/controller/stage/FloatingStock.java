package io.factnet.controller.stage;

/** A project's stock of floating addresses per pool (ADR 0039): at most size, refilled when below low. */
public record FloatingStock(int size, int low) {
    /** The setting. */
    public static final String SIZE = "factnet.floating.stock";
    /** The setting. */
    public static final String LOW = "factnet.floating.stock.low";

    public static final FloatingStock DEFAULT = new FloatingStock(4, 2);
    public static final FloatingStock OFF = new FloatingStock(0, 0);

    public FloatingStock {
        if (size < 0 || low < 0 || low > size) {
            throw new IllegalArgumentException(SIZE + " and " + LOW + " must be 0 <= low <= size: "
                    + size + ", " + low);
        }
    }
}
