package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.DomainName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.MacAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * dnsmasq, kill and dhcp_release, simulated: dnsmasq checks its options, needs its interface to exist, reads its
 * hosts file (every line must be mac,hostname,ip) and its DNS names ({@code --addn-hosts}: address name...),
 * "daemonizes" by writing its pid file, and re-reads both files on SIGHUP. With DNS on (a port other than 0) it must
 * be bound to its interface's listen address ({@code --bind-interfaces}, {@code --listen-address}, not 0.0.0.0) and
 * read neither /etc/resolv.conf nor /etc/hosts; {@link #query} asks it a name as a client would; kill delivers HUP, TERM, KILL and 0. A simulated DHCP client
 * ({@link #request}) gets a static lease, which dnsmasq writes to its lease file; {@code dhcp_release
 * <interface> <address> <mac>} drops it as a real DHCPRELEASE would.
 */
public final class SimProcesses extends SimTool {
    private static final Set<String> DNSMASQ_OPTIONS = Set.of("--conf-file", "--no-hosts", "--no-resolv", "--port",
            "--bind-interfaces", "--interface", "--except-interface", "--listen-address", "--pid-file",
            "--dhcp-leasefile", "--dhcp-hostsfile", "--dhcp-range", "--dhcp-option", "--domain", "--dhcp-script",
            "--dhcp-authoritative", "--dhcp-lease-max", "--strict-order", "--dhcp-no-override", "--log-facility",
            "--log-dhcp", "--quiet-dhcp", "--user", "--addn-hosts", "--server", "--local", "--domain-needed");

    private final SimIp ip;
    private final Map<Long, Process> processes = new LinkedHashMap<>();
    private long nextPid = 40_000;

    /** A simulated daemon: its argument vector, and for dnsmasq the hosts it read and how often. */
    public static final class Process {
        public final List<String> argv;
        public final List<String> hosts = new ArrayList<>();
        public int hostsReads;
        /** dnsmasq's DNS names from --addn-hosts: name to address. */
        public final Map<String, String> names = new java.util.TreeMap<>();
        /** dnsmasq's leases: address to MAC. */
        public final Map<String, String> leases = new java.util.TreeMap<>();

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
            return switch (command.program()) {
                case "kill" -> kill(command);
                case "dhcp_release" -> dhcpRelease(command);
                default -> dnsmasq(command);
            };
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
        if (!"0".equals(options.get("--port"))) {
            for (String required : List.of("--bind-interfaces", "--listen-address", "--no-resolv", "--no-hosts", "--conf-file")) {
                if (!options.containsKey(required)) {
                    throw new SimError("the simulation refuses DNS without " + required + " (it would answer on or read the host's own)");
                }
            }
            Ipv4Address listen = Ipv4Address.parse(options.get("--listen-address"));
            if (ip.links().get(options.get("--interface")).addresses.stream()
                    .noneMatch(a -> Ipv4Cidr.parseInterface(a).address().equals(listen))) {
                throw new SimError("failed to create listening socket for " + listen + ": Cannot assign requested address");
            }
        }
        Process process = new Process(command.argv());
        readHosts(process);
        readLeases(process, options.get("--dhcp-leasefile"));
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
        readNames(process);
    }

    /** The --addn-hosts file, as dnsmasq reads it: {@code address name...} per line; every name must be a domain name. */
    private static void readNames(Process process) {
        process.names.clear();
        Optional<String> option = option(process, "--addn-hosts");
        if (option.isEmpty()) {
            return;
        }
        String file = option.get();
        String[] lines = readFile(file).split("\n");
        for (int n = 0; n < lines.length; n++) {
            if (lines[n].isEmpty()) {
                continue;
            }
            String[] fields = lines[n].split(" ", -1);
            try {
                if (fields.length < 2) {
                    throw new IllegalArgumentException("expected address name...");
                }
                Ipv4Address address = Ipv4Address.parse(fields[0]);
                for (int f = 1; f < fields.length; f++) {
                    new DomainName(fields[f]);
                    process.names.putIfAbsent(fields[f], address.toString());
                }
            } catch (IllegalArgumentException e) {
                throw new SimError("bad name at line " + (n + 1) + " of " + file + ": " + e.getMessage());
            }
        }
    }

    private static Optional<String> option(Process process, String name) {
        return process.argv.stream().filter(a -> a.startsWith(name + "=")).findFirst().map(a -> a.substring(name.length() + 1));
    }

    private static List<String> options(Process process, String name) {
        return process.argv.stream().filter(a -> a.startsWith(name + "=")).map(a -> a.substring(name.length() + 1)).toList();
    }

    /**
     * A DNS query for an A record of {@code name}, sent to {@code server} port 53 as a client would: the dnsmasq
     * listening there answers {@code A <address>} for a name it holds, {@code NXDOMAIN} for another name of a
     * {@code --local} domain (or a bare name with --domain-needed), {@code FORWARD <servers>} when it would ask its
     * upstream servers (comma-separated, in order), {@code REFUSED} when it has none. Empty: nothing listens there.
     */
    public Optional<String> query(String server, String name) {
        String wanted = name.toLowerCase(java.util.Locale.ROOT);
        for (Process process : processes.values()) {
            if (!process.argv.get(0).equals("dnsmasq") || "0".equals(option(process, "--port").orElse("53"))
                    || !option(process, "--listen-address").orElse("").equals(server)) {
                continue;
            }
            String address = process.names.get(wanted);
            if (address != null) {
                return Optional.of("A " + address);
            }
            boolean local = options(process, "--local").stream().map(d -> d.replaceAll("^/|/$", ""))
                    .anyMatch(d -> wanted.equals(d) || wanted.endsWith("." + d));
            if (local || (process.argv.contains("--domain-needed") && !wanted.contains("."))) {
                return Optional.of("NXDOMAIN");
            }
            List<String> servers = options(process, "--server");
            return Optional.of(servers.isEmpty() ? "REFUSED" : "FORWARD " + String.join(",", servers));
        }
        return Optional.empty();
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

    /**
     * A DHCP client with this MAC asks on this interface: the dnsmasq bound to it gives the address its hosts file
     * names for the MAC (static leases only), unless another MAC holds a lease on that address, and writes the
     * lease to its lease file. Empty when no dnsmasq serves the interface or it gives nothing.
     */
    public Optional<String> request(String interfaceName, String mac) {
        MacAddress wanted = MacAddress.parse(mac);
        for (Process process : processes.values()) {
            if (!process.argv.contains("--interface=" + interfaceName)) {
                continue;
            }
            for (String line : process.hosts) {
                String[] fields = line.split(",", -1);
                if (MacAddress.parse(fields[0]).equals(wanted)) {
                    String holder = process.leases.get(fields[2]);
                    if (holder != null && !holder.equals(wanted.toString())) {
                        return Optional.empty();
                    }
                    process.leases.put(fields[2], wanted.toString());
                    writeLeases(process);
                    return Optional.of(fields[2]);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * {@code dhcp_release <interface> <addr> <mac> [<client_id>]}, as dnsmasq-utils' tool behaves: a usage error
     * (exit 1) for another count of arguments, an error for an unknown interface or a bad address; nothing sent
     * (exit 0) when the interface has no address in the client's subnet (the server it would send to); else the
     * dnsmasq bound to the interface drops the lease if this MAC holds it.
     */
    private CommandResult dhcpRelease(Command command) {
        List<String> args = args(command);
        if (args.size() < 3 || args.size() > 4) {
            return fail(command, 1, "usage: dhcp_release <interface> <addr> <mac> [<client_id>]");
        }
        SimIp.Link link = ip.links().get(args.get(0));
        if (link == null) {
            throw new SimError("cannot setup interface: No such device");
        }
        Ipv4Address address;
        MacAddress mac;
        try {
            address = Ipv4Address.parse(args.get(1));
            mac = MacAddress.parse(args.get(2));
        } catch (IllegalArgumentException e) {
            throw new SimError(e.getMessage());
        }
        boolean server = link.addresses.stream().anyMatch(a -> Ipv4Cidr.parseInterface(a).contains(address));
        if (!server) {
            return ok(command, "");
        }
        for (Process process : processes.values()) {
            if (process.argv.contains("--interface=" + link.name)
                    && process.leases.remove(address.toString(), mac.toString())) {
                writeLeases(process);
            }
        }
        return ok(command, "");
    }

    /** A starting dnsmasq takes the leases of its lease file over (a restart keeps them; only a release or expiry drops one). */
    private static void readLeases(Process process, String file) {
        if (file == null || !java.nio.file.Files.isRegularFile(Path.of(file))) {
            return;
        }
        for (String line : readFile(file).split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length >= 3) {
                process.leases.put(Ipv4Address.parse(fields[2]).toString(), MacAddress.parse(fields[1]).toString());
            }
        }
    }

    /** dnsmasq's lease file: {@code expiry mac address hostname client-id} per lease. */
    private static void writeLeases(Process process) {
        process.argv.stream().filter(a -> a.startsWith("--dhcp-leasefile=")).findFirst().ifPresent(option -> {
            StringBuilder out = new StringBuilder();
            process.leases.forEach((address, mac) -> out.append("0 ").append(mac).append(' ').append(address).append(" * *\n"));
            StateFiles.write(Path.of(option.substring("--dhcp-leasefile=".length())), out.toString(), StateFiles.READABLE);
        });
    }
}
