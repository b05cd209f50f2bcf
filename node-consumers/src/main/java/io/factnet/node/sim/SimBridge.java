package io.factnet.node.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * iproute2's {@code bridge}, simulated: the forwarding database of the bridges of {@link SimIp}. An entry belongs to
 * a port (a link enslaved to a bridge); it is flushed with its port, as the kernel does when the port is deleted or
 * leaves its bridge. {@code bridge fdb add MAC dev PORT master dynamic} stands in for a MAC the bridge learned from a
 * frame (a test's instance sending), {@code static} for one an operator pinned. {@code fdb show} prints only these
 * entries, as {@code bridge -j fdb show} prints them (the ports' own permanent addresses are not modelled).
 */
public final class SimBridge extends SimTool {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    private final SimIp ip;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * One forwarding entry: a MAC behind a port (the link's index tells a new link of the same name apart); or, with
     * {@code dst}, a VXLAN device's own entry (bridge null): frames to the MAC go to that remote tunnel end.
     */
    private record Entry(String mac, String port, int portIndex, String bridge, String state, String dst) {
    }

    SimBridge(SimIp ip) {
        this.ip = ip;
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = new ArrayList<>(args(command));
        try {
            if (args.equals(List.of("-V"))) {
                return ok(command, "bridge utility, iproute2-6.1.0 (simulated)\n");
            }
            boolean json = false;
            while (!args.isEmpty() && args.get(0).startsWith("-")) {
                String option = args.remove(0);
                if (option.equals("-j") || option.equals("-json")) {
                    json = true;
                } else if (option.equals("-batch") && !args.isEmpty()) {
                    return batch(command, args.remove(0));
                } else {
                    throw new SimError(255, "Option \"" + option + "\" is unknown, try \"bridge help\".");
                }
            }
            if (args.size() < 2 || !args.get(0).equals("fdb")) {
                throw new SimError(255, "Object \"" + (args.isEmpty() ? "" : args.get(0)) + "\" is unknown, try \"bridge help\".");
            }
            flush();
            String verb = args.get(1);
            List<String> rest = args.subList(2, args.size());
            return switch (verb) {
                case "show" -> ok(command, show(rest, json));
                case "add", "append", "del", "delete" -> {
                    change(verb, rest);
                    yield ok(command, "");
                }
                default -> throw new SimError(255, "Command \"" + verb + "\" is unknown, try \"bridge fdb help\".");
            };
        } catch (SimError e) {
            return fail(command, e.code, e.getMessage());
        }
    }

    /** Lines of {@code fdb ...} run one by one, stopping at the first failing line like the real tool. */
    private CommandResult batch(Command command, String file) {
        String[] lines = readFile(file).split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> words = new ArrayList<>(List.of(line.split("\\s+")));
            try {
                if (words.size() < 2 || !words.get(0).equals("fdb")) {
                    throw new SimError(255, "Object \"" + words.get(0) + "\" is unknown, try \"bridge help\".");
                }
                flush();
                change(words.get(1), words.subList(2, words.size()));
            } catch (SimError e) {
                return fail(command, 1, e.getMessage() + "\nCommand failed " + file + ":" + (n + 1));
            }
        }
        return ok(command, "");
    }

    /** The kernel drops a port's entries when the port goes or leaves its bridge, a device's own when it goes. */
    private void flush() {
        entries.removeIf(e -> {
            SimIp.Link link = ip.links().get(e.port());
            return link == null || link.index != e.portIndex() || e.bridge() != null && !e.bridge().equals(link.master);
        });
    }

    private String show(List<String> args, boolean json) {
        String bridge = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("br") && i + 1 < args.size()) {
                bridge = args.get(++i);
                SimIp.Link link = ip.links().get(bridge);
                if (link == null || !link.kind.equals("bridge")) {
                    throw new SimError(255, "Cannot find bridge device \"" + bridge + "\"");
                }
            } else {
                throw new SimError(255, "Error: either \"dev\" is duplicate, or \"" + args.get(i) + "\" is a garbage.");
            }
        }
        String only = bridge;
        List<Entry> shown = entries.stream().filter(e -> only == null || only.equals(e.bridge())).toList();
        if (!json) {
            StringBuilder out = new StringBuilder();
            // sorted: the kernel's order is its own (a snapshot compares two kernels)
            shown.stream().map(e -> e.mac() + " dev " + e.port() + (e.dst() != null ? " dst " + e.dst() + " self permanent"
                    : " master " + e.bridge() + (e.state().isEmpty() ? " " : " " + e.state()))).sorted()
                    .forEach(line -> out.append(line).append('\n'));
            return out.toString();
        }
        ArrayNode array = JSON.createArrayNode();
        for (Entry e : shown) {
            ObjectNode node = array.addObject().put("mac", e.mac()).put("ifname", e.port());
            if (e.dst() != null) {
                node.put("dst", e.dst());
                node.putArray("flags").add("self");
                node.put("state", "permanent");
            } else {
                node.putArray("flags");
                node.put("master", e.bridge()).put("state", e.state());
            }
        }
        return array.toString();
    }

    /**
     * {@code fdb add|del MAC dev PORT master [static|dynamic]}, and a VXLAN device's own entries:
     * {@code fdb append|del MAC dev VXLAN dst ADDR} (append: one more destination for the MAC).
     */
    private void change(String verb, List<String> args) {
        boolean add = verb.equals("add") || verb.equals("append");
        if (args.isEmpty() || !MAC.matcher(args.get(0)).matches()) {
            throw new SimError(255, "Invalid mac address " + (args.isEmpty() ? "" : args.get(0)));
        }
        String mac = args.get(0).toLowerCase(Locale.ROOT);
        String port = null;
        String state = "";
        String dst = null;
        boolean master = false;
        for (int i = 1; i < args.size(); i++) {
            switch (args.get(i)) {
                case "dev" -> port = i + 1 < args.size() ? args.get(++i) : null;
                case "dst" -> dst = io.factnet.net.Ipv4Address.parse(i + 1 < args.size() ? args.get(++i) : "").toString();
                case "master" -> master = true;
                case "static" -> state = "static";
                case "dynamic" -> state = "";
                default -> throw new SimError(255, "Error: either \"dev\" is duplicate, or \"" + args.get(i) + "\" is a garbage.");
            }
        }
        if (port == null) {
            throw new SimError(255, "Device and address are required arguments.");
        }
        SimIp.Link link = ip.links().get(port);
        if (link == null) {
            throw new SimError(255, "Cannot find device \"" + port + "\"");
        }
        if (dst != null) {
            if (!link.kind.equals("vxlan") || master) {
                throw new SimError(2, "RTNETLINK answers: Operation not supported");
            }
            String device = port;
            String to = dst;
            boolean present = entries.stream().anyMatch(e -> e.mac().equals(mac) && device.equals(e.port()) && to.equals(e.dst()));
            if (add && present) {
                throw new SimError(2, "RTNETLINK answers: File exists");
            }
            if (!add && !entries.removeIf(e -> e.mac().equals(mac) && device.equals(e.port()) && to.equals(e.dst()))) {
                throw new SimError(2, "RTNETLINK answers: No such file or directory");
            }
            if (add) {
                entries.add(new Entry(mac, port, link.index, null, "permanent", dst));
            }
            return;
        }
        if (!master || link.master == null) {
            throw new SimError(2, "RTNETLINK answers: Operation not supported");
        }
        String bridge = link.master;
        String device = port;
        boolean present = entries.removeIf(e -> e.mac().equals(mac) && bridge.equals(e.bridge()) && (add || e.port().equals(device)));
        if (add) {
            entries.add(new Entry(mac, port, link.index, bridge, state, null));
        } else if (!present) {
            throw new SimError(2, "RTNETLINK answers: No such file or directory");
        }
    }
}
