package io.factnet.node.addressing;

import io.factnet.node.net.Ipv4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one network's dnsmasq is made of: its folder (named after the bridge, a checked interface
 * name), its argument vector, its hosts file and its lease hook. DHCP only (port 0: no DNS), bound
 * to the bridge, static leases only (a MAC not in the hosts file gets nothing), no /etc config read.
 */
record DnsmasqFiles(Path folder) {

    Path hosts() {
        return folder.resolve("hosts");
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
                "--port=0",
                "--bind-interfaces",
                "--interface=" + network.bridge(),
                "--except-interface=lo",
                "--listen-address=" + network.gateway(),
                "--strict-order",
                "--pid-file=" + pidFile(),
                "--dhcp-leasefile=" + leases(),
                "--dhcp-hostsfile=" + hosts(),
                "--dhcp-range=set:" + network.bridge() + "," + network.block().network() + ",static,"
                        + network.block().netmask() + "," + network.leaseSeconds() + "s",
                "--dhcp-lease-max=" + network.block().size(),
                "--dhcp-option=option:router," + network.gateway()));
        if (!network.dnsServers().isEmpty()) {
            argv.add("--dhcp-option=option:dns-server,"
                    + network.dnsServers().stream().map(Ipv4Address::toString).collect(Collectors.joining(",")));
        }
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
