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
    private final SimWireGuard wireguard;
    private final SimProcesses processes;
    private final SimConntrack conntrack = new SimConntrack();
    private final Map<String, String> sysctl = new HashMap<>(Map.of("net.ipv4.ip_forward", "0"));
    private final List<Command> log = Collections.synchronizedList(new ArrayList<>());

    public SimulatedHost(KernelFeatures features) {
        this.features = features;
        this.ip = new SimIp(features);
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
                case "wg", "wireguard-go" -> wireguard.run(command);
                case "dnsmasq", "kill" -> processes.run(command);
                case "conntrack" -> conntrack.run(command);
                case "sysctl" -> sysctl(command);
                default -> new CommandResult(command, 127, "", command.program() + ": command not found\n");
            };
        } catch (RuntimeException e) {
            // what a real tool would reject with a usage error
            return new CommandResult(command, 1, "", command.program() + ": " + e + "\n");
        }
    }

    private CommandResult sysctl(Command command) {
        List<String> args = command.argv();
        if (args.size() == 3 && args.get(1).equals("-n")) {
            String value = sysctl.get(args.get(2));
            return value == null ? new CommandResult(command, 255, "", "sysctl: cannot stat " + args.get(2) + "\n")
                    : new CommandResult(command, 0, value + "\n", "");
        }
        if (args.size() == 4 && args.get(1).equals("-q") && args.get(2).equals("-w") && args.get(3).contains("=")) {
            String[] kv = args.get(3).split("=", 2);
            sysctl.put(kv[0], kv[1]);
            return new CommandResult(command, 0, "", "");
        }
        return new CommandResult(command, 255, "", "sysctl: unsupported by the simulation\n");
    }

    @Override
    public synchronized Optional<List<String>> commandLine(long pid) {
        return processes.commandLine(pid);
    }
}
