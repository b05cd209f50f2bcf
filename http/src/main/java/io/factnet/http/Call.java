package io.factnet.http;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as a {@link Route} sees it: the method, the path and query as sent (still percent-encoded),
 * and the headers (names case-insensitive). The servers are read-only: there is no body. {@code peer} is the TCP peer's
 * address (the connection's, never a header such as X-Forwarded-For), or null where unknown.
 */
public record Call(String method, String rawPath, String rawQuery, Map<String, String> headers, String peer) {
    public Call(String method, String rawPath, String rawQuery, Map<String, String> headers) {
        this(method, rawPath, rawQuery, headers, null);
    }

    public Call {
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        headers = Collections.unmodifiableMap(copy);
        rawQuery = rawQuery == null || rawQuery.isEmpty() ? null : rawQuery;
    }

    public static Call get(String rawPath, String rawQuery) {
        return new Call("GET", rawPath, rawQuery, Map.of());
    }

    public boolean hasHeader(String name) {
        return headers.containsKey(name);
    }

    /** The path with its query, as sent: what a server relays to another. */
    public String pathAndQuery() {
        return rawPath + (rawQuery == null ? "" : "?" + rawQuery);
    }
}
