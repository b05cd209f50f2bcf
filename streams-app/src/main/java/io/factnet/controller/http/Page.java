package io.factnet.controller.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.controller.stage.Check;
import io.factnet.http.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One page of a list: at most {@code limit} items whose key comes after {@code after} (null: from the
 * start). Pages are cut by key, not by position (keyset pagination), so a page is right whichever
 * controller answers it and however the partitions moved since the last page: each controller gives its
 * first {@code limit} items after the cursor, and the controller asked merges them and keeps the first
 * {@code limit}. An item that exists during the whole walk is seen exactly once; one added or removed
 * meanwhile is seen once or not at all. The cursor is the list's name and the last item's key, opaque to
 * clients (base64url of a JSON array), so a cursor of another list is refused.
 */
record Page(Listing listing, int limit, List<String> after) {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final String LIMIT = "limit";
    static final String CURSOR = "cursor";

    /** Keys in the list's order: natural order field by field (vm-2 before vm-10), ties by plain order, so no two keys are equal. */
    static final Comparator<List<String>> ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int compared = QueryRouter.natural(a.get(i), b.get(i));
            compared = compared != 0 ? compared : a.get(i).compareTo(b.get(i));
            if (compared != 0) {
                return compared;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    /** The page a query asks for ({@code limit}, {@code cursor}); 400 for a bad one. */
    static Page of(Listing listing, Map<String, String> query) {
        int limit = DEFAULT_LIMIT;
        if (query.containsKey(LIMIT)) {
            try {
                limit = Integer.parseInt(query.get(LIMIT));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiException.badRequest("limit must be 1 to " + MAX_LIMIT + ": " + Check.quote(query.get(LIMIT)));
            }
        }
        return new Page(listing, limit, query.containsKey(CURSOR) ? decode(listing, query.get(CURSOR)) : null);
    }

    /** What a cut kept: the key of the page's last item (null for an empty page), and whether more items follow. */
    record Cut(List<String> last, boolean more) {
    }

    /**
     * Keeps in {@code answer} the page's items, sorted. Items whose parts share a tag count once per key
     * (a node and its acks).
     */
    Cut cut(ObjectNode answer) {
        TreeSet<List<String>> keys = new TreeSet<>(listing.order());
        for (Listing.Part part : listing.parts()) {
            answer.path(part.field()).forEach(item -> keys.add(part.keyOf(item)));
        }
        Set<List<String>> kept = new HashSet<>();
        List<String> last = null;
        for (List<String> key : after == null ? keys : keys.tailSet(after, false)) {
            if (kept.size() == limit) {
                keep(answer, kept);
                return new Cut(last, true);
            }
            kept.add(key);
            last = key;
        }
        keep(answer, kept);
        return new Cut(last, false);
    }

    private void keep(ObjectNode answer, Set<List<String>> kept) {
        for (Listing.Part part : listing.parts()) {
            if (answer.get(part.field()) instanceof ArrayNode items) {
                List<JsonNode> page = new ArrayList<>();
                items.forEach(item -> {
                    if (kept.contains(part.keyOf(item))) {
                        page.add(item);
                    }
                });
                page.sort(Comparator.comparing(part::keyOf, listing.order()));
                items.removeAll();
                items.addAll(page);
            }
        }
    }

    /**
     * Sets {@code next} on the answer: null on the last page, else the cursor and the link of the next
     * page (this request's path and query with the new cursor).
     */
    void next(ObjectNode answer, Cut cut, String pathAndQuery) {
        if (!cut.more()) {
            answer.putNull("next");
            return;
        }
        String cursor = encode(listing, cut.last());
        int question = pathAndQuery.indexOf('?');
        StringBuilder href = new StringBuilder(question < 0 ? pathAndQuery : pathAndQuery.substring(0, question)).append('?');
        if (question >= 0) {
            for (String pair : pathAndQuery.substring(question + 1).split("&")) {
                if (!pair.isEmpty() && !pair.equals(CURSOR) && !pair.startsWith(CURSOR + "=")) {
                    href.append(pair).append('&');
                }
            }
        }
        href.append(CURSOR).append('=').append(cursor);
        answer.putObject("next").put("cursor", cursor).put("href", href.toString());
    }

    static String encode(Listing listing, List<String> key) {
        List<String> named = new ArrayList<>(key.size() + 1);
        named.add(listing.name());
        named.addAll(key);
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Reply.MAPPER.writeValueAsBytes(named));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> decode(Listing listing, String cursor) {
        try {
            JsonNode key = Reply.MAPPER.readTree(Base64.getUrlDecoder().decode(cursor.getBytes(StandardCharsets.US_ASCII)));
            List<String> after = new ArrayList<>();
            key.forEach(part -> after.add(part.isTextual() ? part.asText() : null));
            if (key.isArray() && after.size() == listing.keySize() + 1 && !after.contains(null) && after.get(0).equals(listing.name())) {
                return after.subList(1, after.size());
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            // the same answer as a well-formed cursor of another list
        }
        throw ApiException.badRequest("cursor is not one this list gave (use the next.cursor of its last page): "
                + Check.quote(cursor));
    }
}
