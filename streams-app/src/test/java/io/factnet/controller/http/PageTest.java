package io.factnet.controller.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.http.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The page walk of a list spread over controllers, without Kafka: shares made as {@link LocalState}
 * makes them, cut and merged as {@link QueryRouter#gather} does, cursors followed as a client does.
 */
class PageTest {
    static final Random RANDOM = new Random(16);

    @Test
    void aWalkOverThreeControllersSeesEveryItemOnceInOrder() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            names.add("p" + i);
        }
        names.add("p01"); // natural order ties with p1: still a distinct key
        List<List<ObjectNode>> controllers = spread(names.size(), i -> project(names.get(i)), 3);
        for (int limit : new int[] {1, 7, 100, 251, 1000}) {
            List<String> seen = walk(Listing.PROJECTS, "/v1/projects", limit, () -> controllers, "projects", "project");
            List<String> expected = new ArrayList<>(names);
            expected.sort((a, b) -> Page.ORDER.compare(List.of(a), List.of(b)));
            assertThat(seen).as("limit " + limit).isEqualTo(expected);
            assertThat(seen.subList(0, 4)).containsExactly("p0", "p01", "p1", "p2");
        }
    }

    @Test
    void itemsAddedAndRemovedDuringTheWalkDoNotDisturbTheOthers() {
        List<List<ObjectNode>> controllers = spread(60, i -> project(String.format("q%03d", i * 2)), 2);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ObjectNode page = page(Listing.PROJECTS, "/v1/projects?limit=10", 10, cursor, controllers);
            page.path("projects").forEach(p -> seen.add(p.path("project").asText()));
            cursor = page.path("next").path("cursor").asText(null);
            // between pages: an odd project appears everywhere, and one of the not yet seen even ones moves controller
            controllers.get(pages % 2).add(project(String.format("q%03d", pages * 20 + 1)));
            List<ObjectNode> from = controllers.get(pages % 2 == 0 ? 0 : 1);
            controllers.get(pages % 2 == 0 ? 1 : 0).add(from.remove(from.size() - 1));
            pages++;
        } while (cursor != null);
        List<String> evens = seen.stream().filter(n -> Integer.parseInt(n.substring(1)) % 2 == 0).toList();
        assertThat(evens).hasSize(60).doesNotHaveDuplicates();
        assertThat(seen).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Page.ORDER.compare(List.of(a), List.of(b)));
    }

    @Test
    void aNodeComesWithAllItsAcksWhereverTheyAre() {
        List<ObjectNode> first = new ArrayList<>();
        List<ObjectNode> second = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = "n" + i;
            List<ObjectNode> registeredAt = i % 3 == 0 ? first : second;
            ObjectNode share = AvroJson.JSON.objectNode();
            share.putArray("nodes").add(AvroJson.JSON.objectNode().put("nodeId", id).put("registered", true)
                    .set("applied", AvroJson.JSON.objectNode()));
            share.putArray("acks");
            registeredAt.add(share);
            for (String role : List.of("ROUTING", "BRIDGING")) {
                ObjectNode acks = AvroJson.JSON.objectNode();
                acks.putArray("acks").add(AvroJson.JSON.objectNode().put("nodeId", id).put("role", role).put("appliedOffset", i));
                (role.equals("ROUTING") ? first : second).add(acks);
            }
        }
        // an agent acks for a node that never registered
        ObjectNode stray = AvroJson.JSON.objectNode();
        stray.putArray("acks").add(AvroJson.JSON.objectNode().put("nodeId", "n15x").put("role", "ROUTING").put("appliedOffset", 1));
        second.add(stray);
        List<List<ObjectNode>> controllers = List.of(first, second);

        List<JsonNode> nodes = new ArrayList<>();
        String cursor = null;
        do {
            ObjectNode page = page(Listing.NODES, "/v1/nodes?limit=4", 4, cursor, controllers);
            assertThat(page.has("acks")).isFalse();
            page.path("nodes").forEach(nodes::add);
            cursor = page.path("next").path("cursor").asText(null);
        } while (cursor != null);
        assertThat(nodes).hasSize(31);
        assertThat(nodes).filteredOn(n -> n.path("registered").asBoolean()).hasSize(30)
                .allSatisfy(n -> assertThat(n.path("applied").size()).as(n.toString()).isEqualTo(2));
        assertThat(nodes).filteredOn(n -> n.path("nodeId").asText().equals("n15x")).singleElement()
                .satisfies(n -> assertThat(n.path("registered").asBoolean()).isFalse());
    }

    @Test
    void poolsPageOverTheirTwoKinds() {
        ObjectNode a = AvroJson.JSON.objectNode();
        ArrayNode vlans = a.putArray("vlanRanges");
        for (int i = 0; i < 5; i++) {
            vlans.add(AvroJson.JSON.objectNode().put("physicalNetwork", "physnet" + i));
        }
        a.putNull("supernet");
        a.putArray("floatingPools").add(AvroJson.JSON.objectNode().put("pool", "public"));
        ObjectNode b = AvroJson.JSON.objectNode();
        b.putArray("vlanRanges");
        b.set("supernet", AvroJson.JSON.objectNode().put("cidr", "10.0.0.0/8"));
        b.putArray("floatingPools").add(AvroJson.JSON.objectNode().put("pool", "ext"));
        List<String> seen = new ArrayList<>();
        List<String> floating = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            pages++;
            ObjectNode page = page(Listing.POOLS, "/v1/pools?limit=3", 3, cursor, List.of(List.of(a.deepCopy()), List.of(b.deepCopy())));
            assertThat(page.path("supernet").path("cidr").asText()).isEqualTo("10.0.0.0/8");
            page.path("vlanRanges").forEach(v -> seen.add(v.path("physicalNetwork").asText()));
            page.path("floatingPools").forEach(f -> floating.add(f.path("pool").asText()));
            cursor = page.path("next").path("cursor").asText(null);
        } while (cursor != null);
        assertThat(seen).containsExactly("physnet0", "physnet1", "physnet2", "physnet3", "physnet4");
        assertThat(floating).containsExactly("ext", "public");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void theNextLinkKeepsTheQueryAndReplacesTheCursor() {
        Page page = Page.of(Listing.FLOATING_IPS, Map.of("limit", "1"));
        ObjectNode answer = AvroJson.JSON.objectNode();
        answer.putArray("floatingIps").add(AvroJson.JSON.objectNode().put("address", "203.0.113.10"))
                .add(AvroJson.JSON.objectNode().put("address", "203.0.113.9"));
        ObjectNode first = QueryRouter.share(page, "/v1/floating-ips?pool=public&cursor=old&limit=1", answer);
        String cursor = first.path("next").path("cursor").asText();
        assertThat(first.path("floatingIps").get(0).path("address").asText()).isEqualTo("203.0.113.9");
        assertThat(first.path("next").path("href").asText()).isEqualTo("/v1/floating-ips?pool=public&limit=1&cursor=" + cursor);
        assertThat(Page.of(Listing.FLOATING_IPS, Map.of("cursor", cursor)).after()).containsExactly("", "203.0.113.9");
        assertThat(Page.of(Listing.PROJECTS, Map.of()).after()).isNull();
    }

    @Test
    void aBadLimitOrCursorIsA400() {
        for (String limit : List.of("0", "1001", "-1", "ten", "")) {
            assertThatThrownBy(() -> Page.of(Listing.PROJECTS, Map.of("limit", limit))).isInstanceOf(ApiException.class)
                    .hasMessageStartingWith("limit must be 1 to 1000").extracting(e -> ((ApiException) e).status()).isEqualTo(400);
        }
        String otherShape = Page.encode(Listing.INSTANCES, List.of("", "p1", "vm-1", "10.0.0.2"));
        String sameShape = Page.encode(Listing.NODES, List.of("", "p1")); // a node's key looks like a project's
        String unnamed = Base64.getUrlEncoder().encodeToString("[\"\",\"p1\"]".getBytes(StandardCharsets.UTF_8));
        assertThat(Page.of(Listing.PROJECTS, Map.of("cursor", Page.encode(Listing.PROJECTS, List.of("", "p1")))).after())
                .containsExactly("", "p1");
        for (String cursor : List.of("%%%", "bm90IGpzb24", otherShape, sameShape, unnamed, Page.encode(Listing.PROJECTS, List.of()),
                "WzEsMl0")) {
            assertThatThrownBy(() -> Page.of(Listing.PROJECTS, Map.of("cursor", cursor))).isInstanceOf(ApiException.class)
                    .hasMessageStartingWith("cursor is not one this list gave");
        }
    }

    /** Walks every page, returning the items' {@code field} in the order the pages gave them. */
    static List<String> walk(Listing listing, String path, int limit, java.util.function.Supplier<List<List<ObjectNode>>> controllers,
                             String array, String field) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ObjectNode page = page(listing, path + "?limit=" + limit, limit, cursor, controllers.get());
            assertThat(page.path(array).size()).isLessThanOrEqualTo(limit);
            page.path(array).forEach(item -> seen.add(item.path(field).asText()));
            cursor = page.path("next").path("cursor").asText(null);
            assertThat(++pages).isLessThan(1000);
        } while (cursor != null);
        return seen;
    }

    /** One page as the controller asked answers it: every controller's share of its items, cut, then merged. */
    static ObjectNode page(Listing listing, String pathAndQuery, int limit, String cursor, List<List<ObjectNode>> controllers) {
        Map<String, String> query = new LinkedHashMap<>(Map.of("limit", Integer.toString(limit)));
        if (cursor != null) {
            query.put("cursor", cursor);
        }
        Page page = Page.of(listing, query);
        List<ObjectNode> shares = new ArrayList<>();
        for (List<ObjectNode> items : controllers) {
            // what LocalState gives: one object with the controller's arrays; JSON round trip as between peers
            ObjectNode share = QueryRouter.merge(items.stream().map(ObjectNode::deepCopy).toList());
            shares.add(roundTrip(QueryRouter.share(page, pathAndQuery, share)));
        }
        return QueryRouter.merged(page, pathAndQuery, shares);
    }

    static ObjectNode roundTrip(ObjectNode node) {
        try {
            return (ObjectNode) Reply.MAPPER.readTree(Reply.MAPPER.writeValueAsBytes(node));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode project(String name) {
        ObjectNode share = AvroJson.JSON.objectNode();
        share.putArray("projects").add(AvroJson.JSON.objectNode().put("project", name));
        return share;
    }

    /** {@code count} items spread at random over {@code controllers} (each item a share with one item). */
    static List<List<ObjectNode>> spread(int count, IntFunction<ObjectNode> item, int controllers) {
        List<List<ObjectNode>> spread = new ArrayList<>();
        for (int c = 0; c < controllers; c++) {
            spread.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            spread.get(RANDOM.nextInt(controllers)).add(item.apply(i));
        }
        return spread;
    }

}
