package io.factnet.controller.stage;

/** A project-stage task's network slots per physical network (ADR 0044): at most size, refilled when below low. */
public record NetworkStock(int size, int low) {
    /** The setting. */
    public static final String SIZE = "factnet.network.stock";
    /** The setting. */
    public static final String LOW = "factnet.network.stock.low";

    public static final NetworkStock DEFAULT = new NetworkStock(4, 2);
    public static final NetworkStock OFF = new NetworkStock(0, 0);

    public NetworkStock {
        if (size < 0 || low < 0 || low > size) {
            throw new IllegalArgumentException(SIZE + " and " + LOW + " must be 0 <= low <= size: "
                    + size + ", " + low);
        }
    }
}
