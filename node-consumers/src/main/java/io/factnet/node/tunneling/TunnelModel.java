package io.factnet.node.tunneling;

import io.factnet.model.TunnelPeer;
import io.factnet.model.TunnelingEntry;
import io.factnet.model.VpnTunnel;
import io.factnet.net.InterfaceName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.Ports;
import io.factnet.net.WireGuardKey;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * The tunneling node's desired state, validated. A peer may only claim one /32 of its own VPN's
 * client subnet (WireGuard routes by allowed IPs: a peer allowed 0.0.0.0/0 or another project's
 * block would receive that traffic), so a bad peer is left out and the tunnel keeps the others.
 */
public record TunnelModel(List<Tunnel> tunnels) {

    /** @param resource the entry's resource name (what an ack names when the tunnel is not applied) */
    public record Tunnel(String resource, InterfaceName name, int listenPort, Ipv4Cidr address, Ipv4Cidr network, List<Peer> peers) {
    }

    public record Peer(WireGuardKey publicKey, Ipv4Cidr allowedIp) {
    }

    public record Built(TunnelModel model, List<Rejection> rejected) {
    }

    public static Built build(SortedMap<String, TunnelingEntry> entries, TunnelingConfig config) {
        List<Tunnel> tunnels = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        Set<InterfaceName> names = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        entries.forEach((resource, entry) -> {
            VpnTunnel vpn = (VpnTunnel) entry.getEntry();
            try {
                InterfaceName name = new InterfaceName(config.interfacePrefix() + vpn.getInterfaceName());
                int port = Ports.port(vpn.getListenPort(), "listen port");
                Ipv4Cidr address = Ipv4Cidr.parseInterface(vpn.getAddress());
                Ipv4Cidr network = Ipv4Cidr.parseNetwork(vpn.getNetworkCidr());
                if (!names.add(name)) {
                    throw new InvalidValueException("interface", name.name(), "is used by another VPN here");
                }
                if (!ports.add(port)) {
                    names.remove(name);
                    throw new InvalidValueException("listen port", String.valueOf(port), "is used by another VPN here");
                }
                List<Peer> peers = new ArrayList<>();
                Set<WireGuardKey> keys = new HashSet<>();
                Set<Ipv4Cidr> allowed = new HashSet<>();
                List<TunnelPeer> given = vpn.getPeers();
                for (int i = 0; i < given.size(); i++) {
                    try {
                        Peer peer = peer(given.get(i), address);
                        if (!keys.add(peer.publicKey()) || !allowed.add(peer.allowedIp())) {
                            throw new InvalidValueException("peer", given.get(i).getPublicKey(), "repeats a key or an address");
                        }
                        peers.add(peer);
                    } catch (IllegalArgumentException e) {
                        rejected.add(new Rejection(resource + "#peer" + i, e.getMessage()));
                    }
                }
                peers.sort(Comparator.comparing(p -> p.allowedIp().address()));
                tunnels.add(new Tunnel(resource, name, port, address, network, peers));
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejection(resource, e.getMessage()));
            }
        });
        tunnels.sort(Comparator.comparing(Tunnel::name));
        return new Built(new TunnelModel(List.copyOf(tunnels)), rejected);
    }

    private static Peer peer(TunnelPeer peer, Ipv4Cidr address) {
        WireGuardKey key = new WireGuardKey(peer.getPublicKey());
        Ipv4Cidr allowed = Ipv4Cidr.parseNetworkOrAddress(peer.getAllowedIp());
        if (allowed.prefix() != 32 || !address.networkCidr().contains(allowed.address())
                || allowed.address().equals(address.address())) {
            throw new InvalidValueException("peer address", peer.getAllowedIp(),
                    "must be one /32 of the VPN's client subnet " + address.networkCidr());
        }
        return new Peer(key, allowed);
    }
}
