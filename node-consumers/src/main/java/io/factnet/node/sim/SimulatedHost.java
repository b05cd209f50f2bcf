package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.CommandRunner;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.KernelFeatures;
import io.factnet.node.exec.ProcessTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole node, simulated: every command the agents run goes to a simulated tool that parses it
 * and keeps the resulting kernel state, so tests (and the render driver) see what a real kernel
 * would hold. One instance is one kernel: share it between the agents of one node.
 */
public final class SimulatedHost implements CommandRunner, ProcessTable {
    private final KernelFeatures features;
    private final SimNft nft = new SimNft();
    private final SimIptables iptables = new SimIptables();
    private final SimIp ip;
    private final SimBridge bridge;
    private final SimWireGuard wireguard;
    private final SimProcesses processes;
    private final SimConntrack conntrack = new SimConntrack();
    /** br_netfilter's switch is per network namespace and off in a new one (as in a test's namespace). */
    private final Map<String, String> sysctl = new HashMap<>(Map.of("net.ipv4.ip_forward", "0",
            "net.bridge.bridge-nf-call-iptables", "0"));
    private final List<Command> log = Collections.synchronizedList(new ArrayList<>());

    public SimulatedHost(KernelFeatures features) {
        this.features = features;
        this.ip = new SimIp(features);
        this.bridge = new SimBridge(ip);
        this.wireguard = new SimWireGuard(ip);
        this.processes = new SimProcesses(ip);
    }

    /** A host whose kernel has 802.1Q and WireGuard. */
    public SimulatedHost() {
        this(KernelFeatures.of(true, true));
    }

    public Host host() {
        return new Host(this, this, features);
    }

    public Host host(CommandRunner runner) {
        return new Host(runner, this, features);
    }

    public SimNft nft() {
        return nft;
    }

    public SimIptables iptables() {
        return iptables;
    }

    public SimIp ip() {
        return ip;
    }

    public SimBridge bridge() {
        return bridge;
    }

    public SimWireGuard wireguard() {
        return wireguard;
    }

    public SimProcesses processes() {
        return processes;
    }

    public SimConntrack conntrack() {
        return conntrack;
    }

    public Map<String, String> sysctl() {
        return sysctl;
    }

    /** Every command run so far, in order. */
    public List<Command> commands() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /**
     * What this kernel holds, as canonical text (see {@link KernelSnapshot}): equal state prints equal text,
     * whatever order it was built in; {@code stateRoot}, the agents' folder, prints as {@code <state>}.
     */
    public synchronized String snapshot(String stateRoot) {
        return KernelSnapshot.of(this, stateRoot);
    }

    public void clearCommands() {
        log.clear();
    }

    @Override
    public synchronized CommandResult run(Command command) {
        log.add(command);
        try {
            return switch (command.program()) {
                case "nft" -> nft.run(command);
                case "iptables", "iptables-restore", "iptables-save" -> iptables.run(command);
                case "ip" -> ip.run(command);
                case "bridge" -> bridge.run(command);
                case "wg", "wireguard-go" -> wireguard.run(command);
                case "dnsmasq", "kill", "dhcp_release" -> processes.run(command);
                case "conntrack" -> conntrack.run(command);
                case "sysctl" -> sysctl(command);
                default -> new CommandResult(command, 127, "", command.program() + ": command not found\n");
            };
        } catch (RuntimeException e) {
            // what a real tool would reject with a usage error
            return new CommandResult(command, 1, "", command.program() + ": " + e + "\n");
        }
    }

    /** {@code sysctl --version}, {@code sysctl -n key...} and {@code sysctl -q -w key=value...}; keys with '.' or '/' separators. */
    private CommandResult sysctl(Command command) {
        List<String> args = command.argv();
        if (args.size() == 2 && args.get(1).equals("--version")) {
            return new CommandResult(command, 0, "sysctl from procps-ng (simulated)\n", "");
        }
        if (args.size() >= 3 && args.get(1).equals("-n")) {
            StringBuilder out = new StringBuilder();
            for (String key : args.subList(2, args.size())) {
                String value = sysctlValue(key);
                if (value == null) {
                    return new CommandResult(command, 255, out.toString(), "sysctl: cannot stat /proc/sys/" + path(key) + "\n");
                }
                out.append(value).append('\n');
            }
            return new CommandResult(command, 0, out.toString(), "");
        }
        if (args.size() >= 4 && args.get(1).equals("-q") && args.get(2).equals("-w")
                && args.subList(3, args.size()).stream().allMatch(a -> a.contains("="))) {
            for (String setting : args.subList(3, args.size())) {
                String[] kv = setting.split("=", 2);
                if (!setSysctl(kv[0], kv[1])) {
                    return new CommandResult(command, 255, "", "sysctl: cannot stat /proc/sys/" + path(kv[0]) + "\n");
                }
            }
            return new CommandResult(command, 0, "", "");
        }
        return new CommandResult(command, 255, "", "sysctl: unsupported by the simulation\n");
    }

    /** The key as a /proc/sys path: with '/' separators dots are part of names (an interface "br.1"), as sysctl reads it. */
    private static String path(String key) {
        return key.contains("/") ? key : key.replace('.', '/');
    }

    /** A link's own setting, net/ipv4/conf/&lt;link&gt;/&lt;name&gt;, or null when the link does not exist. */
    private SimIp.Link confLink(String[] parts) {
        return parts.length == 5 && parts[0].equals("net") && parts[1].equals("ipv4") && parts[2].equals("conf")
                ? ip.links().get(parts[3]) : null;
    }

    private String sysctlValue(String key) {
        String[] parts = path(key).split("/");
        SimIp.Link link = confLink(parts);
        return link != null ? link.conf.getOrDefault(parts[4], "0") : sysctl.get(String.join(".", parts));
    }

    private boolean setSysctl(String key, String value) {
        String[] parts = path(key).split("/");
        SimIp.Link link = confLink(parts);
        if (link != null) {
            if (value.equals("0")) {
                link.conf.remove(parts[4]); // the default a new link has: no difference from one never set
            } else {
                link.conf.put(parts[4], value);
            }
        } else if (parts.length == 5 && parts[2].equals("conf")) {
            return false;
        } else {
            sysctl.put(String.join(".", parts), value);
        }
        return true;
    }

    @Override
    public synchronized Optional<List<String>> commandLine(long pid) {
        return processes.commandLine(pid);
    }
}
