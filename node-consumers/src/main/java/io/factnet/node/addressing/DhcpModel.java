package io.factnet.node.addressing;

import io.factnet.net.DomainName;
import io.factnet.net.Hostname;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.MacAddress;
import java.util.List;

/** The addressing node's desired state, validated: one dnsmasq per project network, with its hosts. */
public record DhcpModel(List<Network> networks) {

    public DhcpModel {
        networks = List.copyOf(networks);
    }

    /**
     * One network: its dnsmasq listens on {@code bridge} at {@code server} (the gateway, or this node's own address in the
     * network when the routing node is another, ADR 0046) and hands out the static leases of {@code hosts}.
     */
    public record Network(String project, InterfaceName bridge, Ipv4Cidr block, Ipv4Address gateway, Ipv4Address server,
                          List<Ipv4Address> dnsServers, DomainName domain, int leaseSeconds, List<Host> hosts) {
        public Network {
            dnsServers = List.copyOf(dnsServers);
            hosts = List.copyOf(hosts);
        }

        Network withHosts(List<Host> hosts) {
            return new Network(project, bridge, block, gateway, server, dnsServers, domain, leaseSeconds, hosts);
        }
    }

    /** One line of a hosts file: mac,hostname,ip. */
    public record Host(MacAddress mac, Hostname hostname, Ipv4Address address) {
    }
}
