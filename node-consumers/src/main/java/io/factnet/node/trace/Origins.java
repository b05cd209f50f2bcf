package io.factnet.node.trace;

import io.factnet.model.BridgingEntry;
import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.FloatingNat;
import io.factnet.model.GroupFilter;
import io.factnet.model.InstancePort;
import io.factnet.model.NetworkSnat;
import io.factnet.model.RoutingEntry;
import io.factnet.model.TunnelingEntry;
import io.factnet.model.VpnForward;
import io.factnet.model.VpnTunnel;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.routing.RoutingModelBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;

/**
 * Which of a node's entries (its desired state, resource by resource) a hop's rule was rendered from, and so the request
 * that last wrote that entry: a group's chain from the group's filter, a floating DNAT or SNAT from the floating
 * address's entry, the block's SNAT from the network's, the VPN's port forward from its entry, the port guard's accept
 * from the instance's port. Rules no entry makes alone (conntrack accepts, the isolation of the blocks, policies) have
 * none. An entry holds all of a group's rules, so its request is the last one that changed the group; a group rule's
 * own request is told by the rule: the renderers put the group rule's id on it as a comment ("rule r3"), and the
 * filter's rule with that id carries the AddRule request that created it (ADR 0043). A rule without an id or a request
 * (entries older than the fields) falls back to the entry's request.
 */
public final class Origins {
    /**
     * The entry: its resource key (without the node id), its project, the request behind the matched rule (the group
     * rule's AddRule, else the entry's request) and the group rule's id (null for any other rule).
     */
    public record Origin(String resource, String project, String requestId, String ruleId) {
    }

    public static final Origins NONE = new Origins(Map.of());
    private static final Pattern ADDRESS = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})");

    private record Entry(String resource, String project, String requestId, Object body) {
    }

    private final List<Entry> entries = new ArrayList<>();

    private Origins(Map<String, ? extends SpecificRecord> desired) {
        desired.forEach((resource, value) -> {
            if (value instanceof RoutingEntry e) {
                entries.add(new Entry(resource, e.getProject(), e.getRequestId(), e.getEntry()));
            } else if (value instanceof BridgingEntry e) {
                entries.add(new Entry(resource, e.getProject(), e.getRequestId(), e.getEntry()));
            } else if (value instanceof TunnelingEntry e) {
                entries.add(new Entry(resource, e.getProject(), e.getRequestId(), e.getEntry()));
            }
        });
    }

    /** The routing, bridging and tunneling entries of one node, by resource (other kinds are ignored). */
    public static Origins of(Map<String, ? extends SpecificRecord> desired) {
        return new Origins(new LinkedHashMap<>(desired));
    }

    /**
     * The entry the hop's rule came from, if one did; {@code before} is the packet as the hook got it and {@code iif}
     * the device (or bridge port) it came in by.
     */
    Optional<Origin> of(Hop hop, Packet before, String iif) {
        String[] path = hop.chain().split(" > ");
        String last = path[path.length - 1];
        if (last.startsWith("group_") || last.startsWith("egress_")) {
            String id = last.substring(last.indexOf('_') + 1);
            return entries.stream().filter(e -> e.body() instanceof GroupFilter)
                    .filter(e -> RoutingModelBuilder.chainId(e.project(), ((GroupFilter) e.body()).getGroup()).equals(id))
                    .findFirst().map(e -> groupRule(e, NftRule.ruleId(hop.rule()).orElse(null), last.startsWith("egress_")));
        }
        if (!hop.nat().isEmpty()) {
            List<String> addresses = addresses(hop.nat());
            if (addresses.size() < 2) {
                return Optional.empty();
            }
            String from = addresses.get(0);
            String to = addresses.get(1);
            Optional<Origin> floating = find(b -> b instanceof FloatingNat, e -> {
                FloatingNat nat = (FloatingNat) e.body();
                return hop.nat().startsWith("dnat") ? nat.getFloatingAddress().equals(from) && nat.getFixedAddress().equals(to)
                        : nat.getFixedAddress().equals(from) && nat.getFloatingAddress().equals(to);
            });
            if (floating.isPresent() || !hop.nat().startsWith("snat")) {
                return floating.or(() -> find(b -> b instanceof VpnForward, e -> ((VpnForward) e.body()).getTargetAddress().equals(to)));
            }
            return find(b -> b instanceof NetworkSnat, e -> contains(((NetworkSnat) e.body()).getCidr(), from));
        }
        if (hop.table().equals("bridge factnet-ports") && hop.rule().contains("@ports")) {
            return find(b -> b instanceof InstancePort, e -> ((InstancePort) e.body()).getAddress().equals(before.source().toString())
                    && (iif == null || iif.equals(((InstancePort) e.body()).getPort())));
        }
        if (hop.table().equals("bridge") && hop.verdict().equals("delivered")) {
            return find(b -> b instanceof InstancePort, e -> ((InstancePort) e.body()).getAddress().equals(before.destination().toString()));
        }
        if (hop.table().equals("route") && hop.rule().startsWith("from a VPN client")) {
            return find(b -> b instanceof VpnTunnel, e -> contains(((VpnTunnel) e.body()).getAddress(), before.source().toString()));
        }
        return Optional.empty();
    }

    /** A group chain's hop: the group rule its comment names, with that rule's request when the filter has it. */
    private static Origin groupRule(Entry entry, String ruleId, boolean egress) {
        GroupFilter filter = (GroupFilter) entry.body();
        String request = null;
        if (ruleId != null) {
            if (egress) {
                request = filter.getEgress() == null ? null : filter.getEgress().stream().filter(r -> ruleId.equals(r.getRuleId()))
                        .map(EgressFilterRule::getRequestId).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            } else {
                request = filter.getRules().stream().filter(r -> ruleId.equals(r.getRuleId()))
                        .map(FilterRule::getRequestId).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            }
        }
        return new Origin(entry.resource(), entry.project(), request != null ? request : entry.requestId(), ruleId);
    }

    private Optional<Origin> find(Predicate<Object> kind, Predicate<Entry> matches) {
        return entries.stream().filter(e -> kind.test(e.body())).filter(matches)
                .map(e -> new Origin(e.resource(), e.project(), e.requestId(), null)).findFirst();
    }

    private static boolean contains(String cidr, String address) {
        try {
            return Ipv4Cidr.parseInterface(cidr).networkCidr().contains(Ipv4Address.parse(address));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<String> addresses(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = ADDRESS.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
