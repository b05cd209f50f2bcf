package io.factnet.node.trace;

import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.sim.SimIp;
import io.factnet.node.sim.SimNft;
import io.factnet.node.sim.SimWireGuard;
import io.factnet.node.sim.SimulatedHost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows a NEW packet through the simulated kernels of some nodes (one {@link SimulatedHost} each, holding what the
 * node's agents render) the way Linux would walk the rules factnet renders: on a routing path the ip/inet hooks
 * prerouting (DNAT), input or forward, postrouting (SNAT) around the node's routing decision (its addresses, connected
 * networks and routes; no route: the public interface); on a project's bridge the bridge-family hooks at the ports,
 * with the ip/inet hooks too where br_netfilter is on (as the bridging agent turns it on), and the project's L2 between
 * nodes: an address in the bridge's network goes to the node whose port guard holds it (or whose bridge has it, the
 * gateway), any other to the gateway's node. The trace stops at the first drop, at a delivery, or with a
 * {@link CannotEvaluate} at a rule or state it does not know.
 */
public final class PacketTracer {
    private static final Set<String> IP = Set.of("ip", "inet");
    private static final Set<String> BRIDGE = Set.of("bridge");
    private static final String PORTS_TABLE = "factnet-ports";
    private static final String BRIDGE_NF = "net.bridge.bridge-nf-call-iptables";
    /** A packet that crosses more nodes than this loops. */
    private static final int MAX_NODES = 16;

    /**
     * A node to trace through: its simulated kernel, the interface its default route leaves by, and its entries (to
     * name per hop the entry and request a rule came from).
     */
    public record Node(String name, SimulatedHost kernel, String publicInterface, Origins origins) {
        public Node(String name, SimulatedHost kernel, String publicInterface) {
            this(name, kernel, publicInterface, Origins.NONE);
        }
    }

    /** Where an instance's address is: the node, its port and its MAC (the port guard's {@code ports} set). */
    public record Port(String node, String port, String mac) {
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();

    public PacketTracer(List<Node> nodes) {
        nodes.forEach(n -> this.nodes.put(n.name(), n));
    }

    /**
     * A packet from outside the cloud, to the node that owns its destination (a floating or public address); to an
     * address of a traced network (an instance's fixed address), to the network's routing node, by its public
     * interface: the rules there decide, as the kernel's do when a router outside routes the block to that node (the
     * Linux agreement test found the tracer saying "no node owns" where the kernel delivered).
     */
    public Trace fromOutside(Packet packet) {
        Optional<Node> owner = nodes.values().stream().filter(n -> local(n, packet.destination())).findFirst();
        if (owner.isPresent()) {
            return fromOutside(packet, owner.get().name());
        }
        Optional<String> bridge = bridgeOf(packet.destination());
        Optional<Node> router = bridge.flatMap(this::gatewayNode);
        if (router.isEmpty()) {
            return new Trace(Trace.Verdict.DROPPED, "no node owns " + packet.destination()
                    + " (no floating or public address of a traced node, no traced network holds it): nothing receives it",
                    List.of(), packet);
        }
        Node entry = router.get();
        Walker walker = new Walker(packet);
        walker.hops.add(new Hop(entry.name(), "route", "-", "from outside by " + entry.publicInterface() + ": " + packet.destination()
                + " is in the network of " + bridge.get() + " (where a router outside routes it to " + entry.name() + ")", "", "continue"));
        return walker.routed(entry, entry.publicInterface(), false);
    }

    /** A packet from outside, entering {@code node} by its public interface. */
    public Trace fromOutside(Packet packet, String node) {
        Node entry = node(node);
        return new Walker(packet).routed(entry, entry.publicInterface(), false);
    }

    /**
     * A packet a VPN client sends: it comes out of the tunnel (the WireGuard interface of a traced node whose address's
     * network holds the source, the project's VPN client range, ADR 0013) and is routed there, into the project's
     * bridge. WireGuard lets in only what a peer's allowed IPs hold (cryptokey routing): another source is dropped.
     */
    public Trace fromVpn(Packet packet) {
        for (Node node : nodes.values()) {
            for (SimIp.Link link : node.kernel().ip().links().values()) {
                boolean tunnel = link.kind.equals("wireguard") || link.kind.equals("tun");
                Optional<String> range = link.addresses.stream()
                        .filter(a -> Ipv4Cidr.parseInterface(a).networkCidr().contains(packet.source())).findFirst();
                if (!tunnel || range.isEmpty()) {
                    continue;
                }
                Walker walker = new Walker(packet);
                walker.add(node, new Hop(node.name(), "route", "-", "from a VPN client by " + link.name + " (" + range.get() + ")", "",
                        "continue"), link.name);
                SimWireGuard.Device device = node.kernel().wireguard().device(link.name);
                if (device != null && device.peers.values().stream().noneMatch(allowed -> allows(allowed, packet.source()))) {
                    return walker.done(Trace.Verdict.DROPPED, "no peer of " + link.name + " on " + node.name() + " has "
                            + packet.source() + " in its allowed IPs: WireGuard lets nothing in from it");
                }
                return walker.routed(node, link.name, false);
            }
        }
        throw new CannotEvaluate("no traced node has a VPN tunnel whose client range holds " + packet.source());
    }

    private static boolean allows(String allowedIps, Ipv4Address address) {
        for (String cidr : allowedIps.split(",")) {
            try {
                if (Ipv4Cidr.parseNetworkOrAddress(cidr.strip()).contains(address)) {
                    return true;
                }
            } catch (IllegalArgumentException e) {
                // not an IPv4 range: holds no IPv4 source
            }
        }
        return false;
    }

    /** A packet an instance sends: it enters its node's bridge by the instance's port. */
    public Trace fromInstance(Packet packet) {
        Walker walker = new Walker(packet);
        Optional<Port> port = port(packet.source());
        String bridge = bridgeOf(packet.source()).orElseThrow(() -> new CannotEvaluate("no traced node has a bridge whose network holds "
                + packet.source() + " (the network's routing node is not traced?)"));
        if (port.isEmpty()) {
            // An instance without a guarded port (older facts without a port name) is on the gateway's node.
            Node gateway = gatewayNode(bridge).orElseThrow();
            return walker.bridgedIn(gateway, bridge, "(port of " + packet.source() + ")");
        }
        walker.packet = packet.withMac(port.get().mac());
        return walker.bridgedIn(node(port.get().node()), bridge, port.get().port());
    }

    /**
     * A frame that enters {@code node}'s bridge by {@code port} with source MAC {@code mac}, whatever the packet's
     * source address: what a port sends when its instance spoofs another address or MAC (the port guard decides).
     */
    public Trace fromPort(Packet packet, String node, String port, String mac) {
        Walker walker = new Walker(packet.withMac(mac));
        String bridge = bridgeOf(packet.source()).orElseThrow(() -> new CannotEvaluate("no traced node has a bridge whose network holds "
                + packet.source()));
        return walker.bridgedIn(node(node), bridge, port);
    }

    /** The node and port that hold an instance's address, by the port guards of the traced nodes. */
    public Optional<Port> port(Ipv4Address address) {
        for (Node node : nodes.values()) {
            SimNft.Table table = node.kernel().nft().table("bridge", PORTS_TABLE);
            SimNft.NamedSet ports = table == null ? null : table.sets.get("ports");
            if (ports == null) {
                continue;
            }
            for (String element : ports.elements) {
                String[] parts = element.split(" \\. ");
                if (parts.length == 3 && parts[2].trim().equals(address.toString())) {
                    return Optional.of(new Port(node.name(), parts[0].trim().replace("\"", ""), parts[1].trim()));
                }
            }
        }
        return Optional.empty();
    }

    private Node node(String name) {
        Node node = nodes.get(name);
        if (node == null) {
            throw new CannotEvaluate("node " + name + " is not traced");
        }
        return node;
    }

    /** One packet's walk: the hops so far and the packet as it is now. */
    private final class Walker {
        private final List<Hop> hops = new ArrayList<>();
        private Packet packet;
        private int nodesCrossed;

        Walker(Packet packet) {
            this.packet = packet;
        }

        /** The routing path of a node: prerouting (unless br_netfilter ran it), input or forward, postrouting. */
        Trace routed(Node node, String iif, boolean prerouted) {
            if (!prerouted && !hook(node, IP, "prerouting", iif, null)) {
                return dropped("dropped on " + node.name() + " at prerouting");
            }
            if (local(node, packet.destination())) {
                hops.add(new Hop(node.name(), "route", "-", packet.destination() + " is local", "", "continue"));
                if (!hook(node, IP, "input", iif, null)) {
                    return dropped("dropped on " + node.name() + " at input");
                }
                return done(Trace.Verdict.DELIVERED, "delivered to node " + node.name() + " (its address " + packet.destination() + ")");
            }
            String dev = routeDevice(node, packet.destination()).orElse(node.publicInterface());
            hops.add(new Hop(node.name(), "route", "-", packet.destination() + " dev " + dev, "", "continue"));
            if (!hook(node, IP, "forward", iif, dev)) {
                return dropped("dropped on " + node.name() + " at forward");
            }
            if (!hook(node, IP, "postrouting", iif, dev)) {
                return dropped("dropped on " + node.name() + " at postrouting");
            }
            if (isBridge(node, dev)) {
                if (!hook(node, BRIDGE, "output", null, dev)) {
                    return dropped("dropped on " + node.name() + " at the bridge's output");
                }
                return l2(node, dev, null);
            }
            if (dev.equals(iif)) {
                return done(Trace.Verdict.DROPPED, "no traced node has " + packet.destination() + ": " + node.name()
                        + " would send it back out " + dev);
            }
            return done(Trace.Verdict.DELIVERED, "leaves " + node.name() + " by " + dev + " toward " + packet.destination());
        }

        /** A frame that enters a node's bridge by one of its ports (an instance's, or the link to the other nodes). */
        Trace bridgedIn(Node node, String bridge, String port) {
            if (++nodesCrossed > MAX_NODES) {
                throw new CannotEvaluate("the packet crosses more than " + MAX_NODES + " nodes: a loop");
            }
            if (!hook(node, BRIDGE, "prerouting", port, null)) {
                return dropped("dropped on " + node.name() + " at " + port + " (the port guard)");
            }
            if (bridgeNetfilter(node) && !hook(node, IP, "prerouting", bridge, null)) {
                return dropped("dropped on " + node.name() + " at prerouting (bridged)");
            }
            return l2(node, bridge, port);
        }

        /** Where a frame on {@code bridge} of {@code node} goes: a port here, up to this node, or to another node. */
        Trace l2(Node node, String bridge, String inPort) {
            Ipv4Cidr network = network(bridge).orElseThrow(() -> new CannotEvaluate("no traced node has an address on bridge "
                    + bridge + ": its network (and gateway) is unknown"));
            boolean onLink = network.contains(packet.destination());
            Optional<Port> port = onLink ? port(packet.destination()) : Optional.empty();
            Optional<Node> up = onLink && port.isEmpty()
                    ? nodes.values().stream().filter(n -> hasAddress(n, bridge, packet.destination())).findFirst()
                    : onLink ? Optional.empty() : gatewayNode(bridge);
            if (port.isEmpty() && up.isEmpty()) {
                return done(Trace.Verdict.DROPPED, "no instance or node has " + packet.destination() + " on " + bridge
                        + " (nobody answers ARP for it)");
            }
            String target = port.map(Port::node).orElseGet(() -> up.get().name());
            if (target.equals(node.name()) && port.isEmpty()) {
                if (inPort == null) {
                    throw new CannotEvaluate("a packet " + node.name() + " routes out " + bridge + " comes back to it");
                }
                hops.add(new Hop(node.name(), "bridge", bridge, "to this node's own address on " + bridge, "", "continue"));
                if (!hook(node, BRIDGE, "input", inPort, null)) {
                    return dropped("dropped on " + node.name() + " at the bridge's input");
                }
                return routed(node, bridge, bridgeNetfilter(node));
            }
            String outPort = target.equals(node.name()) ? port.get().port() : fabricLink(node, bridge);
            if (outPort.equals(inPort)) {
                return done(Trace.Verdict.DROPPED, "the frame for " + packet.destination() + " came in by " + inPort
                        + ", where it would go out again");
            }
            if (inPort != null && !bridged(node, bridge, inPort, outPort)) {
                return dropped("dropped on " + node.name() + " while bridged from " + inPort + " to " + outPort);
            }
            if (target.equals(node.name())) {
                add(node, new Hop(node.name(), "bridge", bridge, "port " + outPort + " (instance " + packet.destination() + ")", "",
                        "delivered"), inPort);
                return done(Trace.Verdict.DELIVERED, "delivered to instance " + packet.destination() + " by port " + outPort
                        + " on " + node.name());
            }
            Node next = node(target);
            hops.add(new Hop(node.name(), "bridge", bridge, "out " + outPort + " to " + next.name(), "", "continue"));
            return bridgedIn(next, bridge, fabricLink(next, bridge));
        }

        /** The bridge's forward hook and, with br_netfilter, the ip/inet forward and postrouting hooks (iif = oif = the bridge). */
        private boolean bridged(Node node, String bridge, String inPort, String outPort) {
            if (!hook(node, BRIDGE, "forward", inPort, outPort)) {
                return false;
            }
            if (bridgeNetfilter(node) && (!hook(node, IP, "forward", bridge, bridge) || !hook(node, IP, "postrouting", bridge, bridge))) {
                return false;
            }
            return hook(node, BRIDGE, "postrouting", inPort, outPort);
        }

        private boolean hook(Node node, Set<String> families, String hook, String iif, String oif) {
            NftRule.Context context = new NftRule.Context(packet, iif, oif, a -> routeDevice(node, a), i -> interfaceAddress(node, i));
            NftHook.Result result = NftHook.run(node.name(), node.kernel().nft(), families, hook, context);
            Packet before = packet;
            result.hops().forEach(h -> hops.add(attributed(node, h, before, iif)));
            packet = result.packet();
            return result.accepted();
        }

        /** A hop with the entry its rule came from, where one did. */
        private Hop attributed(Node node, Hop hop, Packet before, String iif) {
            return node.origins().of(hop, before, iif).map(hop::withOrigin).orElse(hop);
        }

        void add(Node node, Hop hop, String iif) {
            hops.add(attributed(node, hop, packet, iif));
        }

        private Trace dropped(String where) {
            return done(Trace.Verdict.DROPPED, where);
        }

        Trace done(Trace.Verdict verdict, String outcome) {
            return new Trace(verdict, outcome, hops, packet);
        }
    }

    /** The node's own address: on one of its links, or a local route (a floating address, ADR 0010). */
    private static boolean local(Node node, Ipv4Address address) {
        SimIp ip = node.kernel().ip();
        return ip.links().values().stream().anyMatch(l -> l.addresses.stream().anyMatch(a -> address(a).equals(address)))
                || ip.routes().stream().anyMatch(r -> r.type().equals("local") && Ipv4Cidr.parseInterface(r.dst()).contains(address));
    }

    /** The device of the longest-prefix route (connected networks of the links' addresses, unicast routes); none: the default. */
    private static Optional<String> routeDevice(Node node, Ipv4Address address) {
        record Candidate(int prefix, String dev) {
        }
        List<Candidate> candidates = new ArrayList<>();
        for (SimIp.Link link : node.kernel().ip().links().values()) {
            for (String a : link.addresses) {
                Ipv4Cidr cidr = Ipv4Cidr.parseInterface(a);
                if (cidr.networkCidr().contains(address)) {
                    candidates.add(new Candidate(cidr.prefix(), link.name));
                }
            }
        }
        for (SimIp.Route route : node.kernel().ip().routes()) {
            Ipv4Cidr cidr = Ipv4Cidr.parseInterface(route.dst());
            if (route.type().equals("unicast") && route.table().equals("main") && cidr.networkCidr().contains(address)) {
                candidates.add(new Candidate(cidr.prefix(), route.dev()));
            }
        }
        return candidates.stream().max(Comparator.comparingInt(Candidate::prefix)).map(Candidate::dev);
    }

    private static Optional<Ipv4Address> interfaceAddress(Node node, String name) {
        SimIp.Link link = name == null ? null : node.kernel().ip().links().get(name);
        return link == null || link.addresses.isEmpty() ? Optional.empty() : Optional.of(address(link.addresses.get(0)));
    }

    private static Ipv4Address address(String withPrefix) {
        return Ipv4Cidr.parseInterface(withPrefix).address();
    }

    private static boolean isBridge(Node node, String name) {
        SimIp.Link link = node.kernel().ip().links().get(name);
        return link != null && link.kind.equals("bridge");
    }

    private static boolean hasAddress(Node node, String bridge, Ipv4Address address) {
        SimIp.Link link = node.kernel().ip().links().get(bridge);
        return link != null && link.addresses.stream().anyMatch(a -> address(a).equals(address));
    }

    private static boolean bridgeNetfilter(Node node) {
        return "1".equals(node.kernel().sysctl().get(BRIDGE_NF));
    }

    /** The link that joins the node's bridge to the other nodes (VXLAN or VLAN), as the frame's port. */
    private static String fabricLink(Node node, String bridge) {
        return node.kernel().ip().links().values().stream()
                .filter(l -> bridge.equals(l.master) && (l.kind.equals("vxlan") || l.kind.equals("vlan") || l.kind.equals("physical")))
                .map(l -> l.name).findFirst()
                .orElseThrow(() -> new CannotEvaluate("bridge " + bridge + " of " + node.name() + " has no link to the other nodes"));
    }

    /** The bridge's network: from the gateway's address on it (only the network's routing node has one, ADR 0035). */
    private Optional<Ipv4Cidr> network(String bridge) {
        return gatewayNode(bridge).map(n -> Ipv4Cidr.parseInterface(n.kernel().ip().links().get(bridge).addresses.get(0)).networkCidr());
    }

    private Optional<Node> gatewayNode(String bridge) {
        return nodes.values().stream().filter(n -> {
            SimIp.Link link = n.kernel().ip().links().get(bridge);
            return link != null && link.kind.equals("bridge") && !link.addresses.isEmpty();
        }).findFirst();
    }

    private Optional<String> bridgeOf(Ipv4Address address) {
        for (Node node : nodes.values()) {
            for (SimIp.Link link : node.kernel().ip().links().values()) {
                if (link.kind.equals("bridge") && link.addresses.stream().anyMatch(a -> Ipv4Cidr.parseInterface(a).networkCidr().contains(address))) {
                    return Optional.of(link.name);
                }
            }
        }
        return Optional.empty();
    }
}
