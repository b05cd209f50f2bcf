package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of the API, as pages cut it: the arrays of an answer that hold its items, and each item's key,
 * which orders the list and is unique in it. The key is the part's tag (which orders the parts of a
 * list of two kinds, {@code /v1/pools}) then the item's key fields. Parts with the same tag are one
 * sequence: a node and its agents' acks share the node id, so a page holds a node with all its acks.
 */
enum Listing {
    PROJECTS(new Part("projects", "", "project")),
    // an instance may hold more than one fixed IP: the address makes the key unique
    INSTANCES(new Part("instances", "", "project", "instance", "address")),
    FLOATING_IPS(new Part("floatingIps", "", "address")),
    POOLS(new Part("vlanRanges", "vlan", "physicalNetwork"), new Part("floatingPools", "floating", "pool")),
    NODES(new Part("nodes", "", "nodeId"), new Part("acks", "", "nodeId"));

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

    Listing(Part... parts) {
        this.parts = List.of(parts);
    }

    List<Part> parts() {
        return parts;
    }

    /** How many strings a key (and a cursor) of this list has. */
    int keySize() {
        return parts.get(0).keyFields().size() + 1;
    }
}
