package io.factnet.node.trace;

/**
 * One step of a trace: on a node, a base chain of a hook (table and chain; {@code chain} names the chains jumped to
 * as well, "forward > group_x"), or a routing or bridging decision (table "route" or "bridge").
 *
 * @param rule    the rule that decided, as the node's ruleset holds it; "policy accept" when none did
 * @param nat     the translation the rule made ("dnat 203.0.113.4 -> 10.0.1.5"), or empty
 * @param verdict accept, drop, continue (to the next hop), delivered
 */
public record Hop(String node, String table, String chain, String rule, String nat, String verdict) {
}
