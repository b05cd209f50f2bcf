package io.factnet.cli;

import io.factnet.cli.request.DurationConverter;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.node.net.InterfaceName;
import io.factnet.node.net.Ipv4Address;
import io.factnet.node.net.Ipv4Cidr;
import io.factnet.node.net.DomainName;
import io.factnet.node.routing.PublicZone;
import io.factnet.node.routing.RoutingConfig;
import java.nio.file.Path;
import io.factnet.node.tunneling.TunnelingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The node settings that shape what its agents render, shared by {@code factnet node} and
 * {@code factnet replay} (same options, same environment variables): a replay run where the node runs
 * renders the node's files, and the two can be compared line by line.
 */
final class NodeSettingsOptions {

    @Option(names = "--public-address", defaultValue = "${env:FACTNET_PUBLIC_ADDRESS}",
            description = "This node's public address: SNAT source, VPN endpoint, registration (env FACTNET_PUBLIC_ADDRESS; factnet replay "
                    + "defaults to the address the node registered).")
    String publicAddress;

    @Option(names = "--public-interface", defaultValue = "${env:FACTNET_PUBLIC_INTERFACE:-eth0}",
            description = "Interface that answers for the floating addresses (env FACTNET_PUBLIC_INTERFACE).")
    String publicInterface;

    @Option(names = "--metadata-host", defaultValue = "${env:FACTNET_METADATA_HOST:-169.254.169.254}",
            description = "Traffic to it is not SNATed (env FACTNET_METADATA_HOST).")
    String metadataHost;

    @Option(names = "--metadata-server", defaultValue = "${env:FACTNET_METADATA_SERVER:-}",
            description = "Routing: DNAT the instances' requests to 169.254.169.254 tcp/80 to this factnet metadata server, "
                    + "address:port (ADR 0033); its address is not SNATed. Empty: no DNAT. Env FACTNET_METADATA_SERVER.")
    String metadataServer;

    @Option(names = "--dmz-cidr", split = ",", defaultValue = "${env:FACTNET_DMZ_CIDRS}",
            description = "Destinations reached without SNAT (comma-separated or repeated; env FACTNET_DMZ_CIDRS).")
    List<String> dmzCidrs = new ArrayList<>();

    @Option(names = "--firewall", defaultValue = "${env:FACTNET_FIREWALL:-nftables}",
            description = "nftables (one table factnet) or iptables (chains factnet-*). Env FACTNET_FIREWALL.")
    String firewall;

    @Option(names = "--vlan-mode", defaultValue = "${env:FACTNET_VLAN_MODE:-tagged}",
            description = "tagged (VLAN links, needs 802.1Q in the kernel) or untagged (env FACTNET_VLAN_MODE).")
    String vlanMode;

    @Option(names = "--port-grace", defaultValue = "${env:FACTNET_PORT_GRACE:-60s}", converter = DurationConverter.class,
            description = "Bridging: how long an instance's port may be gone from its bridge before the node reports the instance "
                    + "gone (env FACTNET_PORT_GRACE).")
    Duration portGrace;

    @Option(names = "--physical-interface", split = ",", paramLabel = "[PHYSNET=]IFACE", defaultValue = "${env:FACTNET_PHYSICAL_INTERFACE}",
            description = "Interface of a physical network, e.g. physnet1=eth1; a bare name is physnet1's (env FACTNET_PHYSICAL_INTERFACE).")
    List<String> physicalInterfaces = new ArrayList<>();

    @Option(names = "--wireguard", defaultValue = "${env:FACTNET_WIREGUARD:-auto}",
            description = "auto, kernel or userspace (wireguard-go). Env FACTNET_WIREGUARD.")
    String wireguard;

    @Option(names = "--interface-prefix", defaultValue = "${env:FACTNET_INTERFACE_PREFIX:-}",
            description = "Prefix of VPN interface names; wireguard-go's sockets are machine-wide (env FACTNET_INTERFACE_PREFIX).")
    String interfacePrefix;

    @Option(names = "--public-dns-zone", defaultValue = "${env:FACTNET_PUBLIC_DNS_ZONE:-}",
            description = "Routing: write the public names of floating addresses (<instance>.<project>.<zone> A <floating>) to a "
                    + "BIND zone file of this zone, for a DNS server you run (ADR 0032). Empty: none. Env FACTNET_PUBLIC_DNS_ZONE.")
    String publicDnsZone;

    @Option(names = "--public-dns-name-server", defaultValue = "${env:FACTNET_PUBLIC_DNS_NAME_SERVER:-}",
            description = "The zone's name server (NS and SOA); default ns.<zone>. Env FACTNET_PUBLIC_DNS_NAME_SERVER.")
    String publicDnsNameServer;

    @Option(names = "--public-dns-ttl", defaultValue = "${env:FACTNET_PUBLIC_DNS_TTL:-300}",
            description = "TTL of the public names, 60..86400 s (env FACTNET_PUBLIC_DNS_TTL).")
    int publicDnsTtl;

    @Option(names = "--public-dns-zone-file", defaultValue = "${env:FACTNET_PUBLIC_DNS_ZONE_FILE:-}",
            description = "Where the zone file goes; default <state-dir>/public-dns/<zone>.zone (env FACTNET_PUBLIC_DNS_ZONE_FILE).")
    String publicDnsZoneFile;

    /** The public address given, if any. */
    boolean hasPublicAddress() {
        return publicAddress != null && !publicAddress.isBlank();
    }

    RoutingConfig routing(String address) {
        return new RoutingConfig(Ipv4Address.parse(address.strip()), new InterfaceName(publicInterface.strip()),
                Ipv4Address.parse(metadataHost.strip()), nonBlank(dmzCidrs).stream().map(Ipv4Cidr::parseNetwork).toList(),
                enumOf(RoutingConfig.Firewall.class, firewall, "--firewall"), publicZone(),
                metadataServer == null || metadataServer.isBlank() ? Optional.empty()
                        : Optional.of(RoutingConfig.MetadataServer.parse(metadataServer.strip())));
    }

    Optional<PublicZone.Settings> publicZone() {
        if (publicDnsZone == null || publicDnsZone.isBlank()) {
            return Optional.empty();
        }
        DomainName zone = new DomainName(publicDnsZone.strip());
        DomainName nameServer = new DomainName(publicDnsNameServer == null || publicDnsNameServer.isBlank()
                ? "ns." + zone : publicDnsNameServer.strip());
        return Optional.of(new PublicZone.Settings(zone, nameServer, new DomainName("hostmaster." + zone), publicDnsTtl,
                publicDnsZoneFile == null || publicDnsZoneFile.isBlank() ? Optional.empty() : Optional.of(Path.of(publicDnsZoneFile.strip()))));
    }

    BridgingConfig bridging() {
        Map<String, InterfaceName> physical = new LinkedHashMap<>();
        for (String mapping : nonBlank(physicalInterfaces)) {
            String[] parts = mapping.contains("=") ? mapping.split("=", 2) : new String[] {"physnet1", mapping};
            physical.put(parts[0].strip(), new InterfaceName(parts[1].strip()));
        }
        return new BridgingConfig(enumOf(BridgingConfig.VlanMode.class, vlanMode, "--vlan-mode"), physical,
                portGrace == null ? BridgingConfig.DEFAULT_PORT_GRACE : portGrace);
    }

    TunnelingConfig tunneling() {
        return new TunnelingConfig(interfacePrefix.strip(), enumOf(TunnelingConfig.Implementation.class, wireguard, "--wireguard"));
    }

    static List<String> nonBlank(List<String> values) {
        return values == null ? List.of() : values.stream().filter(v -> v != null && !v.isBlank()).map(String::strip).toList();
    }

    static <E extends Enum<E>> E enumOf(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
            throw new IllegalArgumentException(option + " " + value + " is not one of " + names);
        }
    }
}
