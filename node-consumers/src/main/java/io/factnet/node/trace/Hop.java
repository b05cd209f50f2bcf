package io.factnet.node.trace;

/**
 * One step of a trace: on a node, a base chain of a hook (table and chain; {@code chain} names the chains jumped to
 * as well, "forward > group_x"), or a routing or bridging decision (table "route" or "bridge").
 *
 * @param rule      the rule that decided, as the node's ruleset holds it; "policy accept" when none did
 * @param nat       the translation the rule made ("dnat 203.0.113.4 -> 10.0.1.5"), or empty
 * @param verdict   accept, drop, continue (to the next hop), delivered
 * @param entry     the node entry the rule was rendered from (its resource key, "group/p1/web"), or empty ({@link Origins})
 * @param requestId the request behind the rule: for a group rule the AddRule that created it, otherwise the request
 *                  that last wrote the entry; or empty
 * @param ruleId    the group rule the matched rule was rendered from (r1, r2, ...: its comment), or empty
 */
public record Hop(String node, String table, String chain, String rule, String nat, String verdict, String entry,
                  String requestId, String ruleId) {
    /** A hop whose origin is not (yet) known. */
    public Hop(String node, String table, String chain, String rule, String nat, String verdict) {
        this(node, table, chain, rule, nat, verdict, "", "", "");
    }

    Hop withOrigin(Origins.Origin origin) {
        return new Hop(node, table, chain, rule, nat, verdict, origin.resource(), origin.requestId() == null ? "" : origin.requestId(),
                origin.ruleId() == null ? "" : origin.ruleId());
    }

    /** The same decision: node, table, chain, rule, NAT and verdict (not where the rule came from). */
    public boolean sameDecision(Hop other) {
        return node.equals(other.node) && table.equals(other.table) && chain.equals(other.chain) && rule.equals(other.rule)
                && nat.equals(other.nat) && verdict.equals(other.verdict);
    }
}
