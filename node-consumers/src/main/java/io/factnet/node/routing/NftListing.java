package io.factnet.node.routing;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads nft's listings. {@code nft -t list ruleset} (terse: no elements of named sets) is instant
 * however big the maps are, and shows everything of our table but the big maps' elements: its
 * structure. The elements come from a full listing, which costs about a second per 100k elements,
 * so only a resync reads them.
 */
final class NftListing {
    private NftListing() {
    }

    /** Our table's block in a ruleset listing ("table ip factnet {" to its closing "}"), or "" when absent. */
    static String table(String ruleset) {
        String head = "table " + NftRenderer.FAMILY + " " + NftRenderer.TABLE + " {\n";
        int start = 0;
        if (!ruleset.startsWith(head)) {
            start = ruleset.indexOf("\n" + head);
            if (start < 0) {
                return "";
            }
            start++;
        }
        int end = ruleset.indexOf("\n}", start);
        return end < 0 ? ruleset.substring(start) : ruleset.substring(start, end + 2);
    }

    /** map name -> its elements ("key : value"), for each of {@code maps}; empty when it has none. */
    static Map<String, Set<String>> elements(String listing, Set<String> maps) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String map : maps) {
            Set<String> elements = new HashSet<>();
            int start = listing.indexOf("map " + map + " {");
            int end = start < 0 ? -1 : listing.indexOf("\n\t}", start);
            int open = start < 0 ? -1 : listing.indexOf("elements = {", start);
            if (open >= 0 && (end < 0 || open < end)) {
                open += "elements = {".length();
                // nft wraps long element lists over lines: split on commas, trim, no regular expressions (200k elements).
                for (String element : listing.substring(open, listing.indexOf('}', open)).split(",")) {
                    String clean = element.strip();
                    if (!clean.isEmpty()) {
                        elements.add(clean);
                    }
                }
            }
            out.put(map, elements);
        }
        return out;
    }
}
