package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A list of the API, as pages cut it: the arrays of an answer that hold its items, and each item's key,
 * which orders the list and is unique in it. The key is the part's tag (which orders the parts of a
 * list of two kinds, {@code /v1/pools}) then the item's key fields. Parts with the same tag are one
 * sequence: a node and its agents' acks share the node id, so a page holds a node with all its acks.
 * Lists run in {@link Page#ORDER} of their keys, except a project's requests, newest (highest sequence) first:
 * what a reader of a log wants on its first page.
 */
enum Listing {
    PROJECTS(new Part("projects", "", "project")),
    // an instance may hold more than one fixed IP: the address makes the key unique
    INSTANCES(new Part("instances", "", "project", "instance", "address")),
    FLOATING_IPS(new Part("floatingIps", "", "address")),
    POOLS(new Part("vlanRanges", "vlan", "physicalNetwork"), new Part("floatingPools", "floating", "pool")),
    NODES(new Part("nodes", "", "nodeId"), new Part("acks", "", "nodeId")),
    // the request id breaks the tie of results without a sequence (refused before they reached the project)
    REQUESTS(Page.ORDER.reversed(), new Part("requests", "", "sequence", "requestId"));

    /** One array of a list's answer: its field, its tag and its items' key fields. */
    record Part(String field, String tag, List<String> keyFields) {
        Part(String field, String tag, String... keyFields) {
            this(field, tag, List.of(keyFields));
        }

        List<String> keyOf(JsonNode item) {
            List<String> key = new ArrayList<>(keyFields.size() + 1);
            key.add(tag);
            keyFields.forEach(name -> key.add(item.path(name).asText("")));
            return key;
        }
    }

    private final List<Part> parts;
    private final Comparator<List<String>> order;

    Listing(Part... parts) {
        this(Page.ORDER, parts);
    }

    Listing(Comparator<List<String>> order, Part... parts) {
        this.parts = List.of(parts);
        this.order = order;
    }

    /** The order of the list's keys: pages follow it, and a cursor's "after" means after in it. */
    Comparator<List<String>> order() {
        return order;
    }

    List<Part> parts() {
        return parts;
    }

    /** How many strings a key (and a cursor) of this list has. */
    int keySize() {
        return parts.get(0).keyFields().size() + 1;
    }
}
