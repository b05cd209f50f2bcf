package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.WireGuardKey;
import io.factnet.node.tunneling.WireGuardKeys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code wg} and {@code wireguard-go}, simulated: configuration files parsed as wg does (keys must be
 * valid, allowed IPs must parse), {@code wg show <if> dump} printed in wg's tab-separated format,
 * and wireguard-go creating a tun link for an interface.
 */
public final class SimWireGuard extends SimTool {
    private final SimIp ip;
    private final Map<String, Device> devices = new LinkedHashMap<>();

    public static final class Device {
        int linkIndex;
        public WireGuardKey privateKey;
        public int listenPort;
        /** public key -> allowed IPs (comma separated, as wg prints them) */
        public final Map<String, String> peers = new LinkedHashMap<>();
    }

    SimWireGuard(SimIp ip) {
        this.ip = ip;
    }

    /** The WireGuard state of an interface, null when there is no such interface. */
    public Device device(String name) {
        return ip.links().containsKey(name) ? existing(name) : null;
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = args(command);
        try {
            if (args.equals(List.of("--version"))) {
                return ok(command, command.program() + " (simulated)\n");
            }
            if (command.program().equals("wireguard-go")) {
                if (args.size() != 1 || ip.links().containsKey(args.get(0))) {
                    throw new SimError("Failed to create TUN device: file exists");
                }
                ip.addLink(args.get(0), "tun").up = false;
                return ok(command, "");
            }
            if (args.size() == 3 && (args.get(0).equals("syncconf") || args.get(0).equals("setconf"))) {
                Device device = existing(args.get(1));
                Device parsed = parse(readFile(args.get(2)));
                device.privateKey = parsed.privateKey;
                device.listenPort = parsed.listenPort;
                device.peers.clear();
                device.peers.putAll(parsed.peers);
                return ok(command, "");
            }
            if (args.size() == 3 && args.get(0).equals("show") && args.get(2).equals("dump")) {
                return ok(command, dump(existing(args.get(1))));
            }
            throw new SimError("unsupported by the simulation: " + command.display());
        } catch (SimError e) {
            return fail(command, e.code, e.getMessage());
        }
    }

    private Device existing(String name) {
        SimIp.Link link = ip.links().get(name);
        if (link == null || !(link.kind.equals("wireguard") || link.kind.equals("tun"))) {
            throw new SimError("Unable to access interface: No such device");
        }
        Device device = devices.get(name);
        if (device == null || device.linkIndex != link.index) {
            // a new link of the same name starts empty, as a new kernel device does
            device = new Device();
            device.linkIndex = link.index;
            devices.put(name, device);
        }
        return device;
    }

    private static Device parse(String text) {
        Device device = new Device();
        String section = "";
        String peer = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                peer = null;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new SimError("Line unrecognized: `" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            try {
                switch (section + key) {
                    case "[Interface]PrivateKey" -> device.privateKey = new WireGuardKey(value);
                    case "[Interface]ListenPort" -> device.listenPort = Integer.parseInt(value);
                    case "[Peer]PublicKey" -> {
                        peer = new WireGuardKey(value).base64();
                        device.peers.put(peer, "");
                    }
                    case "[Peer]AllowedIPs" -> {
                        for (String cidr : value.split(",")) {
                            Ipv4Cidr.parseInterface(cidr.strip());
                        }
                        device.peers.put(peer, value.replace(" ", ""));
                    }
                    default -> throw new SimError("Line unrecognized: `" + line + "'");
                }
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new SimError("Configuration parsing error: " + e.getMessage());
            }
        }
        return device;
    }

    private static String dump(Device device) {
        StringBuilder out = new StringBuilder();
        String privateKey = device.privateKey == null ? "(none)" : device.privateKey.base64();
        String publicKey = device.privateKey == null ? "(none)" : WireGuardKeys.publicOf(device.privateKey).base64();
        out.append(privateKey).append('\t').append(publicKey).append('\t').append(device.listenPort).append("\toff\n");
        device.peers.forEach((key, allowed) -> out.append(key).append("\t(none)\t(none)\t")
                .append(allowed.isEmpty() ? "(none)" : allowed).append("\t0\t0\t0\toff\n"));
        return out.toString();
    }
}
