package io.factnet.node.trace;

import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.sim.SimNft;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates one nft rule, as the simulated kernel holds it, against a NEW packet. It knows the forms factnet's
 * renderers write (NftRenderer, PortFilterRenderer): address, interface, MAC, port, protocol and ICMP matches with
 * literals, anonymous sets, named sets and concatenations; ct state and ct status dnat; fib daddr . iif oif exists;
 * verdicts, verdict maps, jumps; dnat, snat (literal or by map), redirect and masquerade. Anything else is a
 * {@link CannotEvaluate}: the trace stops there rather than guess.
 */
final class NftRule {
    /** Where the packet is when the rule sees it: the interfaces nft's iifname/oifname see, the node's routing. */
    record Context(Packet packet, String iif, String oif, Function<Ipv4Address, Optional<String>> routeDevice,
                   Function<String, Optional<Ipv4Address>> interfaceAddress) {
    }

    /** What a rule did with the packet. */
    sealed interface Effect permits NoMatch, Verdict, Nat {
    }

    record NoMatch() implements Effect {
    }

    /** accept, drop, return, jump or goto (with its target chain). */
    record Verdict(String kind, String target) implements Effect {
        static Verdict parse(String text) {
            String[] words = text.trim().split(" ");
            return switch (words[0]) {
                case "accept", "drop", "return" -> new Verdict(words[0], null);
                case "jump", "goto" -> new Verdict(words[0], words[1]);
                default -> throw new CannotEvaluate("unknown verdict " + text);
            };
        }
    }

    /** A translation: the packet after it; a NAT statement ends its chain (the connection's mapping is made). */
    record Nat(Packet packet, String description) implements Effect {
    }

    private static final Map<String, Integer> ICMP_TYPES = Map.of("echo-reply", 0, "destination-unreachable", 3,
            "echo-request", 8, "time-exceeded", 11);

    /** A rule's trailing comment (nft lists it after the statements); it matches nothing, so evaluation skips it. */
    private static final Pattern COMMENT = Pattern.compile("\\s+comment\\s+\"[^\"]*\"\\s*$");
    /** The group rule id the renderers write into the comment ("rule r3"). */
    private static final Pattern RULE_COMMENT = Pattern.compile("\\scomment \"rule (r[1-9][0-9]{0,9})\"\\s*$");

    /** The id of the group rule a rule was rendered from, from its comment; empty for any other rule. */
    static Optional<String> ruleId(String rule) {
        Matcher m = RULE_COMMENT.matcher(rule);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private final String rule;
    private final List<String> tokens;
    private final SimNft.Table table;
    private final Context context;
    private int at;

    private NftRule(String rule, SimNft.Table table, Context context) {
        this.rule = rule;
        this.tokens = Arrays.asList(COMMENT.matcher(rule).replaceFirst("").trim().split("\\s+"));
        this.table = table;
        this.context = context;
    }

    static Effect evaluate(String rule, SimNft.Table table, Context context) {
        return new NftRule(rule, table, context).run();
    }

    private Effect run() {
        while (at < tokens.size()) {
            String word = tokens.get(at);
            switch (word) {
                case "counter" -> counter();
                case "accept", "drop", "return" -> {
                    at++;
                    return end(new Verdict(word, null));
                }
                case "jump", "goto" -> {
                    at += 2;
                    return end(new Verdict(word, token(at - 1)));
                }
                case "ct" -> {
                    if (!ct()) {
                        return new NoMatch();
                    }
                }
                case "fib" -> {
                    if (!fib()) {
                        return new NoMatch();
                    }
                }
                case "dnat", "snat" -> {
                    return end(nat(word));
                }
                case "redirect" -> {
                    return end(redirect());
                }
                case "masquerade" -> {
                    at++;
                    return end(masquerade());
                }
                default -> {
                    Effect outcome = match();
                    if (outcome != null) {
                        return outcome;
                    }
                }
            }
        }
        // a rule of matches alone (or "counter"): nft goes on with the next rule
        return new NoMatch();
    }

    /** A verdict or NAT ends the rule: anything after it is a form we do not know. */
    private Effect end(Effect outcome) {
        if (at < tokens.size()) {
            throw cannot("words after the verdict");
        }
        return outcome;
    }

    private void counter() {
        at++;
        if (peek("packets")) {
            at += 4; // "counter packets N bytes M", as a listing prints it
        }
    }

    /** ct state LIST (a NEW packet is in state new only) or ct status & dnat ==|!= 0. */
    private boolean ct() {
        at++;
        String what = token(at++);
        if (what.equals("state")) {
            boolean negate = operator();
            List<String> states = List.of(token(at++).split(","));
            return negate != states.contains("new");
        }
        if (what.equals("status") && token(at).equals("&") && token(at + 1).equals("dnat") && token(at + 3).equals("0")) {
            String op = token(at + 2);
            at += 4;
            return switch (op) {
                case "==" -> !context.packet().dnat();
                case "!=" -> context.packet().dnat();
                default -> throw cannot("ct status operator " + op);
            };
        }
        throw cannot("ct " + what);
    }

    /**
     * {@code fib daddr . iif oif exists}: a route to the destination out of the interface the packet came in on (the
     * kernel's fib lookup with the input interface gives an output interface only when it is that one).
     */
    private boolean fib() {
        List<String> form = List.of("fib", "daddr", ".", "iif", "oif", "exists");
        if (at + form.size() > tokens.size() || !tokens.subList(at, at + form.size()).equals(form)) {
            throw cannot("fib form");
        }
        at += form.size();
        return context.routeDevice().apply(context.packet().destination()).map(dev -> dev.equals(context.iif())).orElse(false);
    }

    /** A match (selectors, operator, value) or a verdict map; null when it matched and the rule goes on. */
    private Effect match() {
        List<String> selectors = selectors();
        if (peek("vmap")) {
            at++;
            List<String> elements = value();
            Optional<String> verdict = lookup(selectors, elements);
            return verdict.map(v -> end(Verdict.parse(v))).orElseGet(() -> {
                at = tokens.size();
                return new NoMatch();
            });
        }
        boolean negate = operator();
        List<String> elements = value();
        List<Object> values = values(selectors);
        if (values == null) {
            return new NoMatch(); // the field is not in this packet (a port of another protocol, ARP): no match, negated or not
        }
        boolean found = elements.stream().anyMatch(e -> matches(selectors, values, e));
        return found != negate ? null : new NoMatch();
    }

    /** "ip saddr", "iifname . ether saddr . ip saddr", ...: the selectors of one (concatenated) expression. */
    private List<String> selectors() {
        List<String> selectors = new ArrayList<>();
        while (true) {
            String first = token(at);
            int length = switch (first) {
                case "iifname", "oifname" -> 1;
                case "ip", "ether", "tcp", "udp", "meta", "icmp" -> 2;
                case "arp" -> 3;
                default -> throw cannot("expression " + first);
            };
            String selector = String.join(" ", tokens.subList(at, Math.min(at + length, tokens.size())));
            if (!List.of("iifname", "oifname", "ip saddr", "ip daddr", "ether saddr", "tcp dport", "tcp sport", "udp dport",
                    "udp sport", "meta l4proto", "icmp type", "icmp code", "arp saddr ip", "arp saddr ether").contains(selector)) {
                throw cannot("expression " + selector);
            }
            selectors.add(selector);
            at += length;
            if (!peek(".")) {
                return selectors;
            }
            at++;
        }
    }

    /** An optional == or !=: whether it negates. */
    private boolean operator() {
        if (peek("!=")) {
            at++;
            return true;
        }
        if (peek("==")) {
            at++;
        }
        return false;
    }

    /** A literal, an anonymous set "{ a, b }" or a named set "@name": its elements. */
    private List<String> value() {
        String first = token(at++);
        if (first.equals("{")) {
            StringBuilder inner = new StringBuilder();
            int depth = 1;
            while (true) {
                String word = token(at++);
                depth += word.equals("{") ? 1 : word.equals("}") ? -1 : 0;
                if (depth == 0) {
                    break;
                }
                inner.append(word).append(' ');
            }
            return Arrays.stream(inner.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        if (first.startsWith("@")) {
            SimNft.NamedSet set = table.sets.get(first.substring(1));
            if (set == null) {
                throw cannot("no set " + first);
            }
            Collection<String> elements = set.elements;
            return List.copyOf(elements);
        }
        return List.of(first);
    }

    /** The packet's value of each selector, or null when one is not in this packet. */
    private List<Object> values(List<String> selectors) {
        List<Object> values = new ArrayList<>();
        Packet packet = context.packet();
        for (String selector : selectors) {
            Object value = switch (selector) {
                case "iifname" -> context.iif();
                case "oifname" -> context.oif() == null ? null : context.oif();
                case "ip saddr" -> packet.source();
                case "ip daddr" -> packet.destination();
                case "ether saddr" -> packet.sourceMac().orElseThrow(() -> cannot("the source MAC of the frame is unknown"));
                case "tcp dport", "udp dport" -> protocolIs(selector) ? (Object) packet.port() : null;
                case "tcp sport", "udp sport" -> protocolIs(selector) ? (Object) packet.sourcePort() : null;
                case "meta l4proto" -> packet.protocol().nftName();
                case "icmp type" -> packet.protocol() == Packet.Protocol.ICMP ? (Object) packet.port() : null;
                case "icmp code" -> packet.protocol() == Packet.Protocol.ICMP ? (Object) 0 : null;
                case "arp saddr ip", "arp saddr ether" -> null; // an IPv4 packet is no ARP frame
                default -> throw cannot("expression " + selector);
            };
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private boolean protocolIs(String selector) {
        return selector.startsWith(context.packet().protocol().nftName() + " ");
    }

    /** The value of the first element (of a map: "key : value") whose key matches the packet; none when none does. */
    private Optional<String> lookup(List<String> selectors, List<String> elements) {
        List<Object> values = values(selectors);
        if (values == null) {
            return Optional.empty();
        }
        for (String element : elements) {
            int colon = element.indexOf(" : ");
            if (colon < 0) {
                throw cannot("map element without a value: " + element);
            }
            if (matches(selectors, values, element.substring(0, colon))) {
                return Optional.of(element.substring(colon + 3).trim());
            }
        }
        return Optional.empty();
    }

    private boolean matches(List<String> selectors, List<Object> values, String element) {
        String[] parts = element.split(" \\. ");
        if (parts.length != selectors.size()) {
            throw cannot("element " + element + " does not fit " + String.join(" . ", selectors));
        }
        for (int i = 0; i < parts.length; i++) {
            if (!part(selectors.get(i), values.get(i), parts[i].trim())) {
                return false;
            }
        }
        return true;
    }

    private boolean part(String selector, Object value, String element) {
        switch (selector) {
            case "iifname", "oifname" -> {
                String name = element.startsWith("\"") && element.endsWith("\"") ? element.substring(1, element.length() - 1) : element;
                if (name.contains("*")) {
                    throw cannot("interface wildcard " + element);
                }
                return name.equals(value);
            }
            case "ether saddr" -> {
                return element.equalsIgnoreCase((String) value);
            }
            case "ip saddr", "ip daddr" -> {
                Ipv4Address address = (Ipv4Address) value;
                int dash = element.indexOf('-');
                if (dash > 0) {
                    return Ipv4Address.parse(element.substring(0, dash)).compareTo(address) <= 0
                            && address.compareTo(Ipv4Address.parse(element.substring(dash + 1))) <= 0;
                }
                return Ipv4Cidr.parseNetworkOrAddress(element).contains(address);
            }
            case "meta l4proto" -> {
                return element.equals(value) || element.equals(switch ((String) value) {
                    case "tcp" -> "6";
                    case "udp" -> "17";
                    default -> "1";
                });
            }
            default -> {
                return number(element, (Integer) value, selector.startsWith("icmp") ? ICMP_TYPES : Map.of());
            }
        }
    }

    /** A number, a range "a-b" or a name nft knows (ICMP types). */
    private boolean number(String element, int value, Map<String, Integer> names) {
        try {
            if (names.containsKey(element)) {
                return names.get(element) == value;
            }
            int dash = element.indexOf('-');
            if (dash > 0) {
                return Integer.parseInt(element.substring(0, dash)) <= value && value <= Integer.parseInt(element.substring(dash + 1));
            }
            return Integer.parseInt(element) == value;
        } catch (NumberFormatException e) {
            throw cannot("value " + element);
        }
    }

    /** dnat|snat [ip] to (ADDRESS[:PORT] | SELECTOR map @MAP | SELECTOR map { ... }). */
    private Effect nat(String kind) {
        at++;
        if (peek("ip")) {
            at++;
        }
        expect("to");
        String target;
        String first = token(at);
        if (first.matches("[0-9.]+(:[0-9]+)?")) {
            at++;
            target = first;
        } else {
            List<String> selectors = selectors();
            expect("map");
            List<String> elements = value();
            Optional<String> found = lookup(selectors, elements);
            if (found.isEmpty()) {
                return new NoMatch(); // no element for this packet: the rule does not match
            }
            target = found.get().replace(" . ", ":");
        }
        return translate(kind, target);
    }

    private Effect translate(String kind, String target) {
        Packet packet = context.packet();
        String[] addressPort = target.split(":");
        Ipv4Address address = Ipv4Address.parse(addressPort[0]);
        if (kind.equals("snat")) {
            if (addressPort.length > 1) {
                throw cannot("snat to a port");
            }
            return new Nat(packet.withSource(address), "snat " + packet.source() + " -> " + address);
        }
        int port = packet.port();
        if (addressPort.length > 1) {
            if (packet.protocol() == Packet.Protocol.ICMP) {
                return new NoMatch(); // nft refuses a port translation without a transport header: the rule does not apply
            }
            port = Integer.parseInt(addressPort[1]);
        }
        return new Nat(packet.withDestination(address, port), "dnat " + packet.destination()
                + (packet.protocol() == Packet.Protocol.ICMP ? "" : ":" + packet.port()) + " -> " + address
                + (packet.protocol() == Packet.Protocol.ICMP ? "" : ":" + port));
    }

    /** redirect to :PORT: to the address of the interface the packet came in on. */
    private Effect redirect() {
        at++;
        expect("to");
        String port = token(at++);
        if (!port.matches(":[0-9]+")) {
            throw cannot("redirect target " + port);
        }
        Ipv4Address here = context.interfaceAddress().apply(context.iif())
                .orElseThrow(() -> cannot("interface " + context.iif() + " has no address to redirect to"));
        return translate("dnat", here + port);
    }

    /** masquerade: to the address of the interface the packet leaves by. */
    private Effect masquerade() {
        Ipv4Address out = context.oif() == null ? null : context.interfaceAddress().apply(context.oif()).orElse(null);
        if (out == null) {
            throw cannot("masquerade without an address on the output interface");
        }
        return translate("snat", out.toString());
    }

    private void expect(String word) {
        if (!token(at).equals(word)) {
            throw cannot("expected " + word + " at " + token(at));
        }
        at++;
    }

    private boolean peek(String word) {
        return at < tokens.size() && tokens.get(at).equals(word);
    }

    private String token(int index) {
        if (index >= tokens.size()) {
            throw cannot("the rule ends early");
        }
        return tokens.get(index);
    }

    private CannotEvaluate cannot(String why) {
        return new CannotEvaluate("cannot evaluate rule \"" + rule + "\": " + why);
    }
}
