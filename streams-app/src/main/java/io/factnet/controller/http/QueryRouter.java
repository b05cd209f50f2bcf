package io.factnet.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.ControllerStores;
import io.factnet.controller.stage.StoreNames;
import io.factnet.http.Reply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Sends each query where its data is. A project lives in one partition, so its owner (the instance
 * running that partition's active task, {@code queryMetadataForKey}) answers and any other instance
 * relays the owner's answer. Lists span every partition: each instance gives its share from its own
 * stores, and the instance asked merges them (arrays concatenated, nodes joined with their agents' acks).
 * Lists come in pages ({@link Page}): each share is the instance's first page, and the merge keeps the
 * first page of their union. A request forwarded by a peer is answered from local stores only, never
 * forwarded again.
 */
final class QueryRouter {

    private final ControllerStores stores;
    private final LocalState local;
    private final HostInfo self;
    private final Peers peers;

    QueryRouter(ControllerStores stores, HostInfo self) {
        this.stores = stores;
        this.local = new LocalState(stores);
        this.self = self;
        this.peers = new Peers(self);
    }

    LocalState local() {
        return local;
    }

    /** The answer of the project's owner: from here, or relayed; {@code page}: null for one object, else the page of a list. */
    Reply byProject(String project, String pathAndQuery, boolean forwarded, Page page, Function<LocalState, ObjectNode> answer) {
        KeyQueryMetadata owner = stores.ownerOf(StoreNames.PROJECTS, project);
        if (owner == null || owner.activeHost() == null || owner.activeHost().port() < 0) {
            throw ApiException.unavailable("the controller that owns project " + project + " is not known right now "
                    + "(partitions are being assigned); retry shortly");
        }
        if (owner.activeHost().equals(self)) {
            try {
                stores.requireQueryable(StoreNames.PROJECTS, owner.partition());
            } catch (InvalidStateStoreException e) {
                throw ApiException.unavailable("project " + project + " is moving between controllers (its stores are being"
                        + " restored here); retry shortly");
            }
            ObjectNode owned = finish(answer.apply(local));
            if (page != null) {
                page.next(owned, page.cut(owned), pathAndQuery);
            }
            return Reply.json(200, owned);
        }
        if (forwarded) {
            throw ApiException.unavailable("project " + project + " is moving between controllers; retry shortly");
        }
        return peers.get(owner.activeHost(), pathAndQuery);
    }

    /**
     * A page of a list: this instance's share, merged with every other instance's unless this request came
     * from a peer. A share that had more than the page says so with its {@code next}; then so does the page.
     */
    Reply gather(String pathAndQuery, boolean forwarded, Page page, Supplier<ObjectNode> share) {
        ObjectNode mine = share(page, pathAndQuery, share.get());
        if (forwarded) {
            return Reply.json(200, mine);
        }
        List<ObjectNode> shares = new ArrayList<>(List.of(mine));
        for (HostInfo peer : stores.instances()) {
            if (!peer.equals(self)) {
                shares.add(shareOf(peer, pathAndQuery));
            }
        }
        return Reply.json(200, merged(page, pathAndQuery, shares));
    }

    /** One instance's share of a page: its own first page, with its {@code next}. */
    static ObjectNode share(Page page, String pathAndQuery, ObjectNode share) {
        page.next(share, page.cut(share), pathAndQuery);
        return share;
    }

    /** The page of the union of the instances' shares; more follow when the union had more, or a share did. */
    static ObjectNode merged(Page page, String pathAndQuery, List<ObjectNode> shares) {
        boolean more = false;
        for (ObjectNode share : shares) {
            more |= share.path("next").isObject();
            share.remove("next");
        }
        ObjectNode merged = finish(merge(shares));
        Page.Cut cut = page.cut(merged);
        page.next(merged, new Page.Cut(cut.last(), cut.more() || more), pathAndQuery);
        return merged;
    }

    private ObjectNode shareOf(HostInfo peer, String pathAndQuery) {
        Reply reply = peers.get(peer, pathAndQuery);
        try {
            JsonNode body = Reply.MAPPER.readTree(reply.body());
            if (reply.status() != 200 || !body.isObject()) {
                throw ApiException.unavailable("controller " + peer.host() + ":" + peer.port() + " answered " + reply.status()
                        + ": " + body.path("error").asText(body.toString()));
            }
            return (ObjectNode) body;
        } catch (IOException e) {
            throw ApiException.unavailable("controller " + peer.host() + ":" + peer.port() + " answered no JSON: " + e.getMessage());
        }
    }

    /** Arrays are concatenated; any other field keeps the first non-null value (one instance holds the supernet). */
    static ObjectNode merge(List<ObjectNode> shares) {
        ObjectNode merged = AvroJson.JSON.objectNode();
        for (ObjectNode share : shares) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = share.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode existing = merged.get(field.getKey());
                if (field.getValue().isArray() && existing != null && existing.isArray()) {
                    ((ArrayNode) existing).addAll((ArrayNode) field.getValue());
                } else if (existing == null || existing.isNull()) {
                    merged.set(field.getKey(), field.getValue());
                }
            }
        }
        return merged;
    }

    /** Joins nodes with their acks (a page then sorts them). */
    static ObjectNode finish(ObjectNode answer) {
        if (answer.has("acks")) {
            joinAcks(answer);
        }
        return answer;
    }

    /** Each node gets {@code applied: {ROLE: ack}}; an ack of a node that never registered shows that node as unregistered. */
    private static void joinAcks(ObjectNode answer) {
        Map<String, ObjectNode> nodes = new LinkedHashMap<>();
        answer.path("nodes").forEach(node -> nodes.put(node.path("nodeId").asText(), (ObjectNode) node));
        for (JsonNode ack : answer.path("acks")) {
            String nodeId = ack.path("nodeId").asText();
            ObjectNode node = nodes.computeIfAbsent(nodeId, StateViews::unregisteredNode);
            ObjectNode applied = ((ObjectNode) ack).deepCopy();
            applied.remove(List.of("nodeId", "role"));
            ((ObjectNode) node.get("applied")).set(ack.path("role").asText(), applied);
        }
        answer.remove("acks");
        ArrayNode all = answer.putArray("nodes");
        nodes.values().forEach(all::add);
    }

    /** Compares digit runs as numbers: 10.0.0.9 before 10.0.0.10, vm-2 before vm-10. */
    static int natural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int endA = digitsEnd(a, i);
                int endB = digitsEnd(b, j);
                String numberA = a.substring(i, endA).replaceFirst("^0+(?=.)", "");
                String numberB = b.substring(j, endB).replaceFirst("^0+(?=.)", "");
                int compared = numberA.length() != numberB.length() ? Integer.compare(numberA.length(), numberB.length())
                        : numberA.compareTo(numberB);
                if (compared != 0) {
                    return compared;
                }
                i = endA;
                j = endB;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static int digitsEnd(String s, int from) {
        int end = from;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return end;
    }
}
