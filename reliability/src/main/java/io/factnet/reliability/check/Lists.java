package io.factnet.reliability.check;

import java.util.List;

/** Report formatting: a count and the first few items. */
final class Lists {
    private Lists() {
    }

    static String head(List<String> items) {
        return items.size() + (items.isEmpty() ? "" : " " + items.subList(0, Math.min(5, items.size())));
    }
}
