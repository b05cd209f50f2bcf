package io.factnet.node.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * iproute2's {@code ip}, simulated: links (bridge, vlan, wireguard, tun, dummy, veth) with master,
 * alias and state, IPv4 addresses, JSON output as {@code ip -j [-d]} prints it, and {@code -batch}
 * files run line by line, stopping at the first failing line like the real tool. A kernel
 * without 802.1Q or WireGuard answers "Unknown device type".
 */
public final class SimIp extends SimTool {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KernelFeatures features;
    private final Map<String, Link> links = new LinkedHashMap<>();
    /** By table and destination (one route each, as the kernel keeps them without metrics), in the order added. */
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private int nextIndex = 2;

    public static final class Link {
        public final String name;
        public final String kind;
        public final int index;
        public boolean up;
        public String master;
        public String alias;
        public String parent;
        public Integer vlanId;
        /** A VXLAN's source address. */
        public String local;
        public final List<String> addresses = new ArrayList<>();
        /** The link's net.ipv4.conf.&lt;name&gt;.* settings that differ from the kernel's default "0". */
        public final Map<String, String> conf = new java.util.TreeMap<>();

        Link(String name, String kind, int index) {
            this.name = name;
            this.kind = kind;
            this.index = index;
        }
    }

    /** A route: type (local, unicast), destination, device, table and protocol. */
    public record Route(String type, String dst, String dev, String table, String proto) {
    }

    public SimIp(KernelFeatures features) {
        this.features = features;
    }

    public Map<String, Link> links() {
        return links;
    }

    /** The routes, live: removing from this collection removes the route. */
    public java.util.Collection<Route> routes() {
        return routes.values();
    }

    /** A link that exists before the agents start (a physical or public interface). */
    public Link addLink(String name, String kind) {
        Link link = new Link(new InterfaceName(name).name(), kind, nextIndex++);
        link.up = true;
        links.put(name, link);
        return link;
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = new ArrayList<>(args(command));
        try {
            if (args.equals(List.of("-V"))) {
                return ok(command, "ip utility, iproute2-6.1.0 (simulated)\n");
            }
            boolean json = false;
            boolean details = false;
            while (!args.isEmpty() && args.get(0).startsWith("-")) {
                String option = args.remove(0);
                switch (option) {
                    case "-j", "-json" -> json = true;
                    case "-d", "-details" -> details = true;
                    case "-batch" -> {
                        return batch(command, args.remove(0));
                    }
                    default -> throw new SimError(255, "Option \"" + option + "\" is unknown");
                }
            }
            return ok(command, execute(args, json, details));
        } catch (SimError e) {
            return fail(command, e.code, e.getMessage());
        }
    }

    private CommandResult batch(Command command, String file) {
        String[] lines = readFile(file).split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                execute(new ArrayList<>(Arrays.asList(line.split("\\s+"))), false, false);
            } catch (SimError e) {
                return fail(command, 1, e.getMessage() + "\nCommand failed " + file + ":" + (n + 1));
            }
        }
        return ok(command, "");
    }

    private String execute(List<String> args, boolean json, boolean details) {
        if (args.size() < 2) {
            throw new SimError(255, "Object \"" + String.join(" ", args) + "\" is unknown, try \"ip help\".");
        }
        String object = args.remove(0);
        String verb = args.remove(0);
        if (object.equals("link")) {
            return link(verb, args, json, details);
        }
        if (object.equals("address") || object.equals("addr")) {
            return address(verb, args, json, details);
        }
        if (object.equals("route")) {
            return route(verb, args);
        }
        throw new SimError(255, "Object \"" + object + "\" is unknown, try \"ip help\".");
    }

    private String link(String verb, List<String> args, boolean json, boolean details) {
        switch (verb) {
            case "show" -> {
                List<Link> shown = args.isEmpty() ? List.copyOf(links.values()) : List.of(existing(device(args)));
                return json ? json(shown, details, false) : text(shown);
            }
            case "add" -> {
                String parent = null;
                if (args.get(0).equals("link")) {
                    parent = existing(args.get(1)).name;
                    args = args.subList(2, args.size());
                }
                if (args.get(0).equals("name")) {
                    args = args.subList(1, args.size());
                }
                String name = new InterfaceName(args.get(0)).name();
                int type = args.indexOf("type");
                String kind = type > 0 ? args.get(type + 1) : "";
                boolean known = switch (kind) {
                    case "bridge", "dummy", "vxlan" -> true;
                    case "vlan" -> features.vlan() && parent != null;
                    case "wireguard" -> features.wireguard();
                    default -> false;
                };
                if (!known) {
                    throw new SimError(2, "Error: Unknown device type.");
                }
                if (links.containsKey(name)) {
                    throw new SimError(2, "RTNETLINK answers: File exists");
                }
                Link link = new Link(name, kind, nextIndex++);
                link.parent = parent;
                if (kind.equals("vlan")) {
                    int id = Integer.parseInt(args.get(args.indexOf("id") + 1));
                    if (id < 1 || id > 4094) {
                        throw new SimError(2, "Error: vlan id is out of range");
                    }
                    link.vlanId = id;
                }
                if (kind.equals("vxlan")) {
                    vxlan(link, args);
                }
                links.put(name, link);
                return "";
            }
            case "set" -> {
                Link link = existing(device(args));
                for (int i = 1; i < args.size(); i++) {
                    switch (args.get(i)) {
                        case "dev" -> {
                        }
                        case "up" -> link.up = true;
                        case "down" -> link.up = false;
                        case "master" -> {
                            Link master = existing(args.get(++i));
                            if (!master.kind.equals("bridge")) {
                                throw new SimError(2, "Error: Device can not be enslaved.");
                            }
                            link.master = master.name;
                        }
                        case "nomaster" -> link.master = null;
                        case "alias" -> link.alias = args.get(++i);
                        default -> {
                            if (!args.get(i).equals(link.name)) {
                                throw new SimError(255, "Error: either \"dev\" is duplicate, or \"" + args.get(i) + "\" is a garbage.");
                            }
                        }
                    }
                }
                return "";
            }
            case "del", "delete" -> {
                remove(existing(device(args)).name);
                return "";
            }
            default -> throw new SimError(255, "Command \"" + verb + "\" is unknown, try \"ip link help\".");
        }
    }

    /** {@code ... type vxlan id VNI dstport PORT local ADDR [nolearning] [dev LOWER]}: VNI, source and lower device. */
    private void vxlan(Link link, List<String> args) {
        for (int i = args.indexOf("type") + 2; i < args.size(); i++) {
            switch (args.get(i)) {
                case "id" -> {
                    int id = Integer.parseInt(args.get(++i));
                    if (id < 0 || id > 16_777_215) {
                        throw new SimError(2, "Error: argument \"" + id + "\" is wrong: invalid id");
                    }
                    link.vlanId = id;
                }
                case "local" -> link.local = io.factnet.net.Ipv4Address.parse(args.get(++i)).toString();
                case "dstport" -> Integer.parseInt(args.get(++i));
                case "dev" -> link.parent = existing(args.get(++i)).name;
                case "nolearning" -> {
                }
                default -> throw new SimError(255, "Error: either \"dev\" is duplicate, or \"" + args.get(i) + "\" is a garbage.");
            }
        }
        if (link.vlanId == null) {
            throw new SimError(2, "Error: vxlan: missing virtual network identifier.");
        }
    }

    /** Removes a link: its ports leave it, its VLAN links go with their parent. */
    public void remove(String name) {
        links.remove(name);
        routes.values().removeIf(r -> name.equals(r.dev()));
        links.values().forEach(l -> {
            if (name.equals(l.master)) {
                l.master = null;
            }
        });
        links.values().removeIf(l -> name.equals(l.parent));
    }

    private String address(String verb, List<String> args, boolean json, boolean details) {
        switch (verb) {
            case "show" -> {
                List<Link> shown = args.isEmpty() ? List.copyOf(links.values()) : List.of(existing(device(args)));
                return json ? json(shown, details, true) : text(shown);
            }
            case "add", "replace", "del", "delete" -> {
                Ipv4Cidr cidr = Ipv4Cidr.parseInterface(args.get(0));
                Link link = existing(args.get(args.indexOf("dev") + 1));
                String text = cidr.toString();
                boolean present = link.addresses.contains(text);
                if (verb.startsWith("del")) {
                    if (!present) {
                        throw new SimError(2, "Error: ipv4: Address not found.");
                    }
                    link.addresses.remove(text);
                } else if (present && verb.equals("add")) {
                    throw new SimError(2, "Error: ipv4: Address already assigned.");
                } else if (!present) {
                    link.addresses.add(text);
                }
                return "";
            }
            default -> throw new SimError(255, "Command \"" + verb + "\" is unknown, try \"ip address help\".");
        }
    }

    private String route(String verb, List<String> args) {
        String type = "unicast";
        if (!args.isEmpty() && List.of("local", "unicast", "blackhole").contains(args.get(0))) {
            type = args.remove(0);
        }
        Map<String, String> options = new LinkedHashMap<>();
        String dst = null;
        for (int i = 0; i < args.size(); i++) {
            if (List.of("dev", "table", "proto").contains(args.get(i))) {
                options.put(args.get(i), args.get(++i));
            } else if (dst == null && !verb.equals("show")) {
                dst = Ipv4Cidr.parseInterface(args.get(i).contains("/") ? args.get(i) : args.get(i) + "/32").toString();
            } else {
                throw new SimError(255, "Error: either \"to\" is duplicate, or \"" + args.get(i) + "\" is a garbage.");
            }
        }
        String table = options.getOrDefault("table", "main");
        if (verb.equals("show")) {
            ArrayNode array = JSON.createArrayNode();
            routes.values().stream().filter(r -> r.table().equals(table))
                    .filter(r -> !options.containsKey("proto") || r.proto().equals(options.get("proto")))
                    .filter(r -> !options.containsKey("dev") || r.dev().equals(options.get("dev")))
                    .forEach(r -> {
                        ObjectNode node = array.addObject().put("type", r.type())
                                .put("dst", r.dst().endsWith("/32") ? r.dst().substring(0, r.dst().length() - 3) : r.dst());
                        if (!options.containsKey("dev")) {
                            node.put("dev", r.dev());
                        }
                        if (!options.containsKey("proto")) {
                            node.put("protocol", r.proto());
                        }
                        node.put("scope", "host");
                    });
            return array.toString();
        }
        existing(options.get("dev"));
        Route route = new Route(type, dst, options.get("dev"), table, options.getOrDefault("proto", "boot"));
        String key = table + " " + dst;
        Route present = routes.get(key);
        switch (verb) {
            case "add" -> {
                if (present != null) {
                    throw new SimError(2, "RTNETLINK answers: File exists");
                }
                routes.put(key, route);
            }
            case "replace" -> {
                routes.remove(key);
                routes.put(key, route);
            }
            case "del", "delete" -> {
                if (present == null || !present.type().equals(route.type())) {
                    throw new SimError(2, "RTNETLINK answers: No such process");
                }
                routes.remove(key);
            }
            default -> throw new SimError(255, "Command \"" + verb + "\" is unknown, try \"ip route help\".");
        }
        return "";
    }

    private static String device(List<String> args) {
        int dev = args.indexOf("dev");
        return dev >= 0 ? args.get(dev + 1) : args.get(0);
    }

    private Link existing(String name) {
        Link link = links.get(name);
        if (link == null) {
            throw new SimError(1, "Cannot find device \"" + name + "\"");
        }
        return link;
    }

    private static String json(List<Link> shown, boolean details, boolean addresses) {
        ArrayNode array = JSON.createArrayNode();
        for (Link link : shown) {
            ObjectNode node = array.addObject();
            node.put("ifindex", link.index);
            node.put("ifname", link.name);
            ArrayNode flags = node.putArray("flags");
            if (link.up) {
                flags.add("UP");
            }
            node.put("operstate", link.up ? "UP" : "DOWN");
            if (link.master != null) {
                node.put("master", link.master);
            }
            if (link.parent != null && !link.kind.equals("vxlan")) {
                node.put("link", link.parent); // a VXLAN's lower device is in its info_data, as ip prints it
            }
            if (link.alias != null) {
                node.put("ifalias", link.alias);
            }
            if (details) {
                ObjectNode info = node.putObject("linkinfo");
                info.put("info_kind", link.kind);
                if (link.kind.equals("vxlan")) {
                    ObjectNode data = info.putObject("info_data").put("id", link.vlanId).put("local", link.local);
                    if (link.parent != null) {
                        data.put("link", link.parent);
                    }
                    data.put("port", 4789).put("learning", false);
                } else if (link.vlanId != null) {
                    info.putObject("info_data").put("protocol", "802.1Q").put("id", link.vlanId);
                }
            }
            if (addresses) {
                ArrayNode infos = node.putArray("addr_info");
                for (String address : link.addresses) {
                    Ipv4Cidr cidr = Ipv4Cidr.parseInterface(address);
                    infos.addObject().put("family", "inet").put("local", cidr.address().toString()).put("prefixlen", cidr.prefix());
                }
            }
        }
        return array.toString();
    }

    private static String text(List<Link> shown) {
        StringBuilder out = new StringBuilder();
        shown.forEach(l -> out.append(l.index).append(": ").append(l.name).append(": <").append(l.up ? "UP" : "")
                .append(">").append(l.master != null ? " master " + l.master : "").append('\n')
                .append(l.addresses.isEmpty() ? "" : "    inet " + String.join(" ", l.addresses) + "\n"));
        return out.toString();
    }
}
