package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.net.Ipv4Address;
import io.factnet.node.net.MacAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * dnsmasq and kill, simulated: dnsmasq checks its options, needs its interface to exist, reads its
 * hosts file (every line must be mac,hostname,ip), "daemonizes" by writing its pid file, and
 * re-reads the hosts file on SIGHUP; kill delivers HUP, TERM, KILL and 0.
 */
public final class SimProcesses extends SimTool {
    private static final Set<String> DNSMASQ_OPTIONS = Set.of("--conf-file", "--no-hosts", "--no-resolv", "--port",
            "--bind-interfaces", "--interface", "--except-interface", "--listen-address", "--pid-file",
            "--dhcp-leasefile", "--dhcp-hostsfile", "--dhcp-range", "--dhcp-option", "--domain", "--dhcp-script",
            "--dhcp-authoritative", "--dhcp-lease-max", "--strict-order", "--dhcp-no-override", "--log-facility",
            "--log-dhcp", "--quiet-dhcp", "--user");

    private final SimIp ip;
    private final Map<Long, Process> processes = new LinkedHashMap<>();
    private long nextPid = 40_000;

    /** A simulated daemon: its argument vector, and for dnsmasq the hosts it read and how often. */
    public static final class Process {
        public final List<String> argv;
        public final List<String> hosts = new ArrayList<>();
        public int hostsReads;

        Process(List<String> argv) {
            this.argv = List.copyOf(argv);
        }
    }

    SimProcesses(SimIp ip) {
        this.ip = ip;
    }

    public Map<Long, Process> processes() {
        return processes;
    }

    /** Makes a process vanish, as a crash would. */
    public void crash(long pid) {
        processes.remove(pid);
    }

    public Optional<List<String>> commandLine(long pid) {
        return Optional.ofNullable(processes.get(pid)).map(p -> p.argv);
    }

    @Override
    CommandResult run(Command command) {
        try {
            return command.program().equals("kill") ? kill(command) : dnsmasq(command);
        } catch (SimError e) {
            return fail(command, e.code, command.program() + ": " + e.getMessage());
        }
    }

    private CommandResult dnsmasq(Command command) {
        List<String> args = args(command);
        if (args.equals(List.of("--version"))) {
            return ok(command, "Dnsmasq version 2.90 (simulated)\n");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!DNSMASQ_OPTIONS.contains(name)) {
                throw new SimError("bad command line options: unknown option " + name);
            }
            options.putIfAbsent(name, arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "");
        }
        for (String required : List.of("--pid-file", "--dhcp-hostsfile", "--interface")) {
            if (!options.containsKey(required)) {
                throw new SimError("the simulation needs " + required);
            }
        }
        if (!ip.links().containsKey(options.get("--interface"))) {
            throw new SimError("unknown interface " + options.get("--interface"));
        }
        Process process = new Process(command.argv());
        readHosts(process);
        long pid = nextPid++;
        processes.put(pid, process);
        StateFiles.write(Path.of(options.get("--pid-file")), pid + "\n", StateFiles.READABLE);
        return ok(command, "");
    }

    private static void readHosts(Process process) {
        String file = process.argv.stream().filter(a -> a.startsWith("--dhcp-hostsfile=")).findFirst().orElseThrow()
                .substring("--dhcp-hostsfile=".length());
        List<String> hosts = new ArrayList<>();
        String[] lines = readFile(file).split("\n");
        for (int n = 0; n < lines.length; n++) {
            if (lines[n].isEmpty()) {
                continue;
            }
            String[] fields = lines[n].split(",", -1);
            try {
                if (fields.length != 3 || !fields[1].matches("[a-z0-9-]{1,63}")) {
                    throw new IllegalArgumentException("expected mac,hostname,ip");
                }
                MacAddress.parse(fields[0]);
                Ipv4Address.parse(fields[2]);
            } catch (IllegalArgumentException e) {
                throw new SimError("bad dhcp-host at line " + (n + 1) + " of " + file + ": " + e.getMessage());
            }
            hosts.add(lines[n]);
        }
        process.hosts.clear();
        process.hosts.addAll(hosts);
        process.hostsReads++;
    }

    private CommandResult kill(Command command) {
        List<String> args = args(command);
        String signal = "TERM";
        int at = 0;
        if (args.get(0).equals("-s")) {
            signal = args.get(1);
            at = 2;
        } else if (args.get(0).startsWith("-")) {
            signal = args.get(0).substring(1);
            at = 1;
        }
        long pid = Long.parseLong(args.get(at));
        Process process = processes.get(pid);
        if (process == null) {
            throw new SimError("(" + pid + ") - No such process");
        }
        switch (signal) {
            case "HUP" -> readHosts(process);
            case "TERM", "KILL" -> processes.remove(pid);
            case "0" -> {
            }
            default -> throw new SimError("unknown signal " + signal);
        }
        return ok(command, "");
    }
}
