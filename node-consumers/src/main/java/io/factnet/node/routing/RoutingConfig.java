package io.factnet.node.routing;

import io.factnet.node.net.InterfaceName;
import io.factnet.node.net.Ipv4Address;
import io.factnet.node.net.Ipv4Cidr;
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
 */
public record RoutingConfig(Ipv4Address publicAddress, InterfaceName publicInterface, Ipv4Address metadataHost,
                            List<Ipv4Cidr> dmzCidrs, Firewall firewall, Optional<PublicZone.Settings> publicZone) {

    public enum Firewall { NFTABLES, IPTABLES }

    public static final Ipv4Address DEFAULT_METADATA_HOST = Ipv4Address.parse("169.254.169.254");

    public RoutingConfig {
        dmzCidrs = List.copyOf(dmzCidrs);
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
        this(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, Optional.empty());
    }

    public RoutingConfig withFirewall(Firewall value) {
        return new RoutingConfig(publicAddress, publicInterface, metadataHost, dmzCidrs, value, publicZone);
    }

    public RoutingConfig withPublicZone(PublicZone.Settings value) {
        return new RoutingConfig(publicAddress, publicInterface, metadataHost, dmzCidrs, firewall, Optional.of(value));
    }
}
