package io.factnet.node.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a simulated kernel holds, as canonical text: nftables and iptables listings, links with their
 * addresses and settings, routes, daemons with the hosts they loaded, WireGuard interfaces and peers,
 * sysctls. Sorted wherever the kernel's order is its own, so two kernels that hold the same state print
 * the same text however they got there (a node after thousands of delta applies, a replay in one full
 * apply). What differs between two nodes by design is left out: process ids, the agents' state folder
 * (replaced by {@code <state>} in command lines) and WireGuard private keys (a node's never leaves it).
 */
final class KernelSnapshot {
    private KernelSnapshot() {
    }

    static String of(SimulatedHost host, String stateRoot) {
        StringBuilder out = new StringBuilder();
        out.append("# nftables\n");
        new TreeMap<>(host.nft().tables()).values().forEach(table -> out.append(SimNft.list(table, false, true)));
        out.append("# iptables\n").append(host.iptables().run(io.factnet.node.exec.Command.of("iptables-save")).stdout());
        out.append("# links\n");
        new TreeMap<>(host.ip().links()).forEach((name, link) -> out.append(name).append(' ').append(link.kind)
                .append(link.up ? " up" : " down").append(link.master == null ? "" : " master " + link.master)
                .append(link.parent == null ? "" : " parent " + link.parent)
                .append(link.vlanId == null ? "" : " vlan " + link.vlanId)
                .append(link.local == null ? "" : " local " + link.local)
                .append(" addresses ").append(new TreeSet<>(link.addresses)).append(" conf ").append(link.conf).append('\n'));
        out.append("# routes\n");
        new TreeSet<>(host.ip().routes().stream().map(SimIp.Route::toString).toList()).forEach(r -> out.append(r).append('\n'));
        out.append("# processes\n");
        List<String> processes = new ArrayList<>();
        for (SimProcesses.Process process : host.processes().processes().values()) {
            processes.add(String.join(" ", process.argv).replace(stateRoot, "<state>") + "\n  hosts " + new TreeSet<>(process.hosts)
                    + (process.names.isEmpty() ? "" : "\n  names " + process.names));
        }
        processes.stream().sorted().forEach(p -> out.append(p).append('\n'));
        out.append("# wireguard\n");
        for (SimIp.Link link : new TreeMap<>(host.ip().links()).values()) {
            String name = link.name;
            boolean wireguard = link.kind.equals("wireguard") || link.kind.equals("tun");
            SimWireGuard.Device device = wireguard ? host.wireguard().device(name) : null;
            if (device != null && device.privateKey != null) {
                out.append(name).append(" port ").append(device.listenPort).append(" peers ")
                        .append(new TreeMap<>(device.peers)).append('\n');
            }
        }
        // The VXLAN devices' peers; not what bridges learned (a test's instances speaking on one of two kernels).
        out.append("# fdb\n");
        host.bridge().run(io.factnet.node.exec.Command.of("bridge", "fdb", "show")).stdout().lines().filter(l -> l.contains(" dst "))
                .forEach(l -> out.append(l).append('\n'));
        out.append("# sysctl\n").append(new TreeMap<>(host.sysctl())).append('\n');
        return out.toString();
    }
}
