package io.factnet.node.addressing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one network's dnsmasq is made of: its folder (named after the bridge, a checked interface
 * name), its argument vector, its hosts files and its lease hook. Bound to the bridge only
 * ({@code --bind-interfaces}, the bridge and the gateway address, or the node's own address in the network when the
 * routing node is another (ADR 0046): never the host's other interfaces,
 * loopback or 0.0.0.0), static leases only (a MAC not in the hosts file gets nothing), no /etc config,
 * /etc/hosts or /etc/resolv.conf read. DNS on port 53 of the gateway: the network's instances by name
 * ({@code <hostname>.<domain>} and the bare hostname, from {@link #dnsHosts()}), names of the domain it does
 * not know answered "no such name" here, every other name forwarded to the network's DNS servers, or, when
 * it has none, to no one (refused): the host's own resolver is never asked.
 */
record DnsmasqFiles(Path folder) {

    Path hosts() {
        return folder.resolve("hosts");
    }

    /** The DNS names of the network's instances, {@code address fqdn hostname} per line (dnsmasq's --addn-hosts; SIGHUP re-reads it). */
    Path dnsHosts() {
        return folder.resolve("dns-hosts");
    }

    Path pidFile() {
        return folder.resolve("pid");
    }

    /** Which dnsmasq (pid) loaded which hosts text (SHA-256), written by the agent after a start or SIGHUP. */
    Path loaded() {
        return folder.resolve("hosts-loaded");
    }

    Path leases() {
        return folder.resolve("leases");
    }

    /** Leases to free with dhcp_release ({@code mac,ip} lines): written before the hosts file drops them, gone once freed. */
    Path releases() {
        return folder.resolve("releases-pending");
    }

    Path hook() {
        return folder.resolve("lease-hook");
    }

    Path events() {
        return folder.resolve("lease-events");
    }

    Path log() {
        return folder.resolve("dnsmasq.log");
    }

    List<String> argv(DhcpModel.Network network) {
        List<String> argv = new ArrayList<>(List.of(
                "dnsmasq",
                "--conf-file=/dev/null",
                "--no-hosts",
                "--no-resolv",
                "--port=53",
                "--bind-interfaces",
                "--interface=" + network.bridge(),
                "--except-interface=lo",
                "--listen-address=" + network.server(),
                "--strict-order",
                "--pid-file=" + pidFile(),
                "--dhcp-leasefile=" + leases(),
                "--dhcp-hostsfile=" + hosts(),
                "--dhcp-range=set:" + network.bridge() + "," + network.block().network() + ",static,"
                        + network.block().netmask() + "," + network.leaseSeconds() + "s",
                "--dhcp-lease-max=" + network.block().size(),
                "--dhcp-option=option:router," + network.gateway(),
                // DHCP hands out this dnsmasq as the DNS server (option 6) and the domain (option 15, from --domain)
                "--dhcp-option=option:dns-server," + network.server(),
                "--addn-hosts=" + dnsHosts(),
                // names without a dot and every name of the network's domain are answered here, never forwarded
                "--domain-needed",
                "--local=/" + network.domain() + "/"));
        // the rest goes to the network's DNS servers, in their order (--strict-order); none: refused
        network.dnsServers().forEach(server -> argv.add("--server=" + server));
        argv.add("--domain=" + network.domain());
        argv.add("--dhcp-script=" + hook());
        argv.add("--dhcp-authoritative");
        // Its own log next to its files, start, reloads and errors only: leases go to the hook.
        argv.add("--log-facility=" + log());
        argv.add("--quiet-dhcp");
        return argv;
    }

    static String hostsFile(DhcpModel.Network network) {
        StringBuilder out = new StringBuilder(network.hosts().size() * 40);
        network.hosts().forEach(h -> out.append(h.mac()).append(',').append(h.hostname()).append(',').append(h.address()).append('\n'));
        return out.toString();
    }

    /**
     * The network's instance names for DNS: {@code address hostname.domain hostname} per host, in address order.
     * Every field is a checked value (an address, a sanitized label, a checked domain). dnsmasq answers both names
     * and gives the first, the full one, for the address's reverse lookup.
     */
    static String dnsHostsFile(DhcpModel.Network network) {
        StringBuilder out = new StringBuilder(network.hosts().size() * 48);
        network.hosts().forEach(h -> out.append(h.address()).append(' ').append(h.hostname()).append('.')
                .append(network.domain()).append(' ').append(h.hostname()).append('\n'));
        return out.toString();
    }

    /**
     * dnsmasq runs this for every lease change ({@code add|old|del MAC IP [HOSTNAME]}). It only
     * appends its arguments, as data, to the events file the agent reads and validates; nothing in
     * them is ever evaluated (they are quoted positional parameters). The path is ours and checked.
     */
    String hookScript() {
        return "#!/bin/sh\n"
                + "# factnet lease hook, called by dnsmasq: add|old|del MAC IP [HOSTNAME].\n"
                + "# Appends the arguments as one tab-separated line; the node agent validates them.\n"
                + "printf '%s\\t%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" \"$4\" >> '" + events() + "'\n";
    }
}
