package io.factnet.node.routing;

import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.List;
import java.util.Optional;

/**
 * The routing node's own settings (not from requests).
 *
 * @param publicAddress   the node's public address: networks are SNATed to it, VPN ports arrive on it
 * @param publicInterface where floating addresses are added
 * @param metadataHost    nova's metadata host: traffic from instances to it is not SNATed
 * @param dmzCidrs        nova's dmz_cidr: destinations reached without SNAT
 * @param firewall        nftables (one table) or iptables (chains prefixed factnet-)
 * @param publicZone      the public DNS zone the floating addresses' names are written to (ADR 0032); empty: none
 * @param metadataServer  where instances' metadata requests (169.254.169.254 tcp/80 from a project's block) are DNATed to,
 *                        a {@code factnet metadata} server (ADR 0033); its address is not SNATed either. Empty: no DNAT
 */
public record RoutingConfig(Ipv4Address publicAddress, InterfaceName publicInterface, Ipv4Address metadataHost,
                            List<Ipv4Cidr> dmzCidrs, Firewall firewall, Optional<PublicZone.Settings> publicZone,
                            Optional<MetadataServer> metadataServer) {

    public enum Firewall { NFTABLES, IPTABLES }

    /** The address instances ask for their metadata (cloud-init's, EC2's and OpenStack's), port 80. */
    public static final Ipv4Address METADATA_ADDRESS = Ipv4Address.parse("169.254.169.254");
    public static final int METADATA_PORT = 80;

    /**
     * Where the metadata requests go: a server's address and TCP port (DNAT), or, with no address ({@code :PORT}), a
     * server listening on this node itself on that port (REDIRECT: to the address of the bridge the request came in on,
     * i.e. the project's gateway, so no address needs to be configured; e.g. the compose file's service sharing the
     * routing node's network namespace).
     */
    public record MetadataServer(Optional<Ipv4Address> address, int port) {
        public MetadataServer {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("metadata server port must be 1..65535: " + port);
            }
            if (address.isPresent() && (address.get().equals(METADATA_ADDRESS) || address.get().toString().equals("0.0.0.0"))) {
                throw new IllegalArgumentException("metadata server must be a real address of the server, not " + address.get());
            }
        }

        public MetadataServer(Ipv4Address address, int port) {
            this(Optional.of(address), port);
        }

        /** "a.b.c.d:port", or ":port" for a server on this node. */
        public static MetadataServer parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("metadata server must be address:port (e.g. 10.0.0.1:8775) or :port (on this node): "
                        + text);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("metadata server port must be a number: " + text);
            }
            String host = text.substring(0, colon).strip();
            return new MetadataServer(host.isEmpty() ? Optional.empty() : Optional.of(Ipv4Address.parse(host)), port);
        }

        @Override
        public String toString() {
            return address.map(Ipv4Address::toString).orElse("") + ":" + port;
        }
    }

    public static final Ipv4Address DEFAULT_METADATA_HOST = Ipv4Address.parse("169.254.169.254");

    public RoutingConfig {
        dmzCidrs = List.copyOf(dmzCidrs);
        publicZone = publicZone == null ? Optional.empty() : publicZone;
        metadataServer = metadataServer == null ? Optional.empty() : metadataServer;
        // They end up in one anonymous nft set, where overlapping intervals are an error.
        for (int i = 0; i < dmzCidrs.size(); i++) {
            if (dmzCidrs.get(i).contains(metadataHost)) {
                throw new IllegalArgumentException("DMZ CIDR " + dmzCidrs.get(i) + " contains the metadata host " + metadataHost);
            }
            for (int j = i + 1; j < dmzCidrs.size(); j++) {
                if (dmzCidrs.get(i).overlaps(dmzCidrs.get(j))) {
                    throw new IllegalArgumentException("DMZ CIDRs " + dmzCidrs.get(i) + " and " + dmzCidrs.get(j) + " overlap");
                }
            }
        }
    }

    /** A node that writes no public DNS names. */
    public RoutingConfig(Ipv4Address publicAddress, InterfaceName publicInterface, Ipv4Address metadataHost,
                         List<Ipv4Cidr> dmzCidrs, Firewall firewall) {
        this(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, Optional.empty(), Optional.empty());
    }

    /** A node without a metadata server. */
    public RoutingConfig(Ipv4Address publicAddress, InterfaceName publicInterface, Ipv4Address metadataHost,
                         List<Ipv4Cidr> dmzCidrs, Firewall firewall, Optional<PublicZone.Settings> publicZone) {
        this(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, publicZone, Optional.empty());
    }

    public RoutingConfig withFirewall(Firewall value) {
        return new RoutingConfig(publicAddress, publicInterface, metadataHost, dmzCidrs, value, publicZone, metadataServer);
    }

    public RoutingConfig withPublicZone(PublicZone.Settings value) {
        return new RoutingConfig(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, Optional.of(value), metadataServer);
    }

    public RoutingConfig withMetadataServer(MetadataServer value) {
        return new RoutingConfig(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, publicZone, Optional.of(value));
    }

    /**
     * What is reached from the projects' blocks without SNAT: the metadata host, the metadata server's address (unless
     * one of those already covers it) and the DMZ CIDRs; in this order, never two overlapping (one nft set).
     */
    public List<String> snatExemptions() {
        List<String> out = new java.util.ArrayList<>();
        out.add(metadataHost.toString());
        metadataServer.flatMap(MetadataServer::address).filter(a -> !a.equals(metadataHost)
                && dmzCidrs.stream().noneMatch(d -> d.contains(a))).ifPresent(a -> out.add(a.toString()));
        dmzCidrs.forEach(d -> out.add(d.toString()));
        return out;
    }
}
