package io.factnet.node.addressing;

import io.factnet.model.AddressingEntry;
import io.factnet.model.DhcpHost;
import io.factnet.model.DhcpNetwork;
import io.factnet.net.DomainName;
import io.factnet.net.Hostname;
import io.factnet.net.InterfaceName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.MacAddress;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * Validates the addressing entries into a {@link DhcpModel}. A host belongs to its project's
 * network; its address must be inside that block, its MAC and address unique there. Host names
 * are sanitized (a name that comes out empty or taken becomes host-a-b-c-d).
 */
public final class DhcpModelBuilder {
    /** dnsmasq refuses leases under two minutes; a year is plenty. */
    static final int MIN_LEASE = 120;
    static final int MAX_LEASE = 365 * 24 * 3600;

    public record Built(DhcpModel model, List<Rejection> rejected) {
    }

    private DhcpModelBuilder() {
    }

    private static final class Draft {
        final DhcpModel.Network network;
        final List<DhcpModel.Host> hosts = new ArrayList<>();
        final Set<MacAddress> macs = new HashSet<>();
        final Set<Ipv4Address> addresses = new HashSet<>();
        final Set<String> names = new HashSet<>();

        Draft(DhcpModel.Network network) {
            this.network = network;
        }
    }

    public static Built build(SortedMap<String, AddressingEntry> entries) {
        List<Rejection> rejected = new ArrayList<>();
        Map<String, Draft> byProject = new LinkedHashMap<>();
        Set<InterfaceName> bridges = new HashSet<>();
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof DhcpNetwork network) {
                try {
                    DhcpModel.Network parsed = network(entry.getProject(), network);
                    if (byProject.containsKey(entry.getProject())) {
                        throw new InvalidValueException("project", entry.getProject(), "has a second DHCP network here");
                    }
                    if (!bridges.add(parsed.bridge())) {
                        throw new InvalidValueException("bridge", parsed.bridge().name(), "serves another network already");
                    }
                    byProject.put(entry.getProject(), new Draft(parsed));
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejection(resource, e.getMessage()));
                }
            }
        });
        entries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof DhcpHost host) {
                try {
                    Draft draft = byProject.get(entry.getProject());
                    if (draft == null) {
                        throw new InvalidValueException("project", entry.getProject(), "has no DHCP network on this node");
                    }
                    draft.hosts.add(host(draft, host));
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejection(resource, e.getMessage()));
                }
            }
        });
        List<DhcpModel.Network> networks = new ArrayList<>();
        byProject.values().forEach(d -> {
            List<DhcpModel.Host> hosts = new ArrayList<>(d.hosts);
            hosts.sort(Comparator.comparing(DhcpModel.Host::address));
            networks.add(d.network.withHosts(hosts));
        });
        networks.sort(Comparator.comparing(DhcpModel.Network::bridge));
        return new Built(new DhcpModel(networks), rejected);
    }

    /** One network's hosts as {@link #build} gives them, and the host entries it rejects, in resource order. */
    record Hosts(DhcpModel.Network network, List<Rejection> rejected) {
    }

    /**
     * The hosts of one project, built alone: what {@link #build} gives for that project's network (null: the
     * project has none here) from the same host entries (resource -> entry, the project's only). A host's
     * checks (MAC, address and name unique in its network) never look at another network, so a change of one
     * host rebuilds its network alone (ADR 0026).
     */
    static Hosts hostsOf(DhcpModel.Network network, String project, SortedMap<String, AddressingEntry> hostEntries) {
        List<Rejection> rejected = new ArrayList<>();
        if (network == null) {
            String reason = new InvalidValueException("project", project, "has no DHCP network on this node").getMessage();
            hostEntries.keySet().forEach(resource -> rejected.add(new Rejection(resource, reason)));
            return new Hosts(null, rejected);
        }
        Draft draft = new Draft(network);
        hostEntries.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof DhcpHost host) {
                try {
                    draft.hosts.add(host(draft, host));
                } catch (IllegalArgumentException e) {
                    rejected.add(new Rejection(resource, e.getMessage()));
                }
            }
        });
        List<DhcpModel.Host> hosts = new ArrayList<>(draft.hosts);
        hosts.sort(Comparator.comparing(DhcpModel.Host::address));
        return new Hosts(network.withHosts(hosts), rejected);
    }

    private static DhcpModel.Network network(String project, DhcpNetwork network) {
        InterfaceName bridge = new InterfaceName(network.getBridge());
        Ipv4Cidr block = Ipv4Cidr.parseNetwork(network.getCidr());
        if (block.prefix() > 30) {
            throw new InvalidValueException("network CIDR", network.getCidr(), "has no room for hosts");
        }
        Ipv4Address gateway = usable(block, Ipv4Address.parse(network.getGateway()), "gateway");
        Ipv4Address server = network.getServerAddress() == null ? gateway
                : usable(block, Ipv4Address.parse(network.getServerAddress()), "DHCP server address");
        List<Ipv4Address> dns = network.getDnsServers().stream().map(Ipv4Address::parse).toList();
        int lease = network.getLeaseSeconds();
        if (lease < MIN_LEASE || lease > MAX_LEASE) {
            throw new InvalidValueException("lease time", String.valueOf(lease), "is not " + MIN_LEASE + ".." + MAX_LEASE + " seconds");
        }
        return new DhcpModel.Network(project, bridge, block, gateway, server, dns, new DomainName(network.getDomain()), lease, List.of());
    }

    private static DhcpModel.Host host(Draft draft, DhcpHost host) {
        MacAddress mac = MacAddress.parse(host.getMac());
        Ipv4Address address = usable(draft.network.block(), Ipv4Address.parse(host.getAddress()), "host address");
        if (address.equals(draft.network.gateway())) {
            throw new InvalidValueException("host address", host.getAddress(), "is the gateway");
        }
        if (address.equals(draft.network.server())) {
            throw new InvalidValueException("host address", host.getAddress(), "is the DHCP server's");
        }
        if (!draft.macs.add(mac)) {
            throw new InvalidValueException("MAC address", host.getMac(), "has a lease in this network already");
        }
        if (!draft.addresses.add(address)) {
            draft.macs.remove(mac);
            throw new InvalidValueException("host address", host.getAddress(), "is given to another MAC already");
        }
        String fallback = "host-" + address.toString().replace('.', '-');
        Hostname name = Hostname.sanitize(host.getHostname(), fallback);
        if (!draft.names.add(name.label())) {
            name = Hostname.sanitize(fallback, fallback);
            draft.names.add(name.label());
        }
        return new DhcpModel.Host(mac, name, address);
    }

    private static Ipv4Address usable(Ipv4Cidr block, Ipv4Address address, String what) {
        if (!block.contains(address) || address.equals(block.network()) || address.equals(block.last())) {
            throw new InvalidValueException(what, address.toString(), "is not a usable address of " + block);
        }
        return address;
    }

    static Map<String, Long> counts(DhcpModel model, int rejected) {
        Map<String, Long> counts = new HashMap<>();
        counts.put("networks", (long) model.networks().size());
        counts.put("hosts", model.networks().stream().mapToLong(n -> n.hosts().size()).sum());
        counts.put("rejected", (long) rejected);
        return counts;
    }
}
