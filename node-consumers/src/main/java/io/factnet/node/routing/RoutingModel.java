package io.factnet.node.routing;

import io.factnet.model.Protocol;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The routing node's desired state as validated, typed values: nothing here came unchecked from a
 * request, so renderers may write it into rule files as it is. Lists are in a stable order.
 */
public record RoutingModel(List<FloatingMapping> floating, List<Ipv4Cidr> blocks, List<PortForward> forwards,
                           List<GroupChain> groups) {

    public RoutingModel {
        floating = List.copyOf(floating);
        blocks = List.copyOf(blocks);
        forwards = List.copyOf(forwards);
        groups = List.copyOf(groups);
    }

    /** DNAT floating -> fixed; SNAT fixed -> floating unless {@code snat} is false (a second floating address of one fixed address). */
    public record FloatingMapping(Ipv4Address floating, Ipv4Address fixed, boolean snat) {
    }

    /** UDP on the node's public address and {@code publicPort}, forwarded to the VPN endpoint. */
    public record PortForward(int publicPort, Ipv4Address target, int targetPort) {
    }

    /**
     * A security group's filter: traffic to {@code subnet} passes one of the rules or is dropped; new traffic from
     * {@code subnet}, when {@code egress} is present, passes one of its rules (and goes on to the ingress filter of
     * where it goes) or is dropped; absent, it is not filtered (ADR 0030). {@code id} is 16 hex digits.
     */
    public record GroupChain(String id, Ipv4Cidr subnet, List<AllowRule> rules, Optional<List<AllowRule>> egress) {
        public GroupChain {
            rules = List.copyOf(rules);
            egress = egress.map(List::copyOf);
        }

        public GroupChain(String id, Ipv4Cidr subnet, List<AllowRule> rules) {
            this(id, subnet, rules, Optional.empty());
        }
    }

    /**
     * One rule. Ports apply to TCP and UDP ({@code fromPort..toPort}, both empty for all ports); icmpType/icmpCode
     * to ICMP (empty for any). {@code remote} is the other end: the source of an ingress rule, the destination of an
     * egress rule; 0.0.0.0/0 matches everything.
     */
    public record AllowRule(Protocol protocol, Ipv4Cidr remote, Optional<Integer> fromPort, Optional<Integer> toPort,
                             Optional<Integer> icmpType, Optional<Integer> icmpCode, Optional<String> ruleId) {
        /**
         * What a rule id may be (the controller's "r" + a counter): the renderers write it into a comment, so nothing
         * else may reach the rule file.
         */
        public static final java.util.regex.Pattern RULE_ID = java.util.regex.Pattern.compile("r[1-9][0-9]{0,9}");

        public AllowRule {
            ruleId.ifPresent(id -> {
                if (!RULE_ID.matcher(id).matches()) {
                    throw new io.factnet.net.InvalidValueException("rule id", id, "is not r1, r2, ...");
                }
            });
        }

        /** A rule no group rule names (tests, defaults): no comment. */
        public AllowRule(Protocol protocol, Ipv4Cidr remote, Optional<Integer> fromPort, Optional<Integer> toPort,
                         Optional<Integer> icmpType, Optional<Integer> icmpCode) {
            this(protocol, remote, fromPort, toPort, icmpType, icmpCode, Optional.empty());
        }

        /** The comment the renderers put on the rule ("rule r3"), empty when it has no id. */
        public Optional<String> comment() {
            return ruleId.map(id -> "rule " + id);
        }

        public boolean anyRemote() {
            return remote.prefix() == 0;
        }
    }

    public Set<Ipv4Address> floatingAddresses() {
        Set<Ipv4Address> addresses = new TreeSet<>();
        floating.forEach(f -> addresses.add(f.floating()));
        return addresses;
    }
}
