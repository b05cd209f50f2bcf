package io.factnet.cli;

import io.factnet.cli.request.DurationConverter;
import io.factnet.node.bridging.BridgingConfig;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.DomainName;
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

    @Option(names = "--l2", split = ",", paramLabel = "PHYSNET=vlan|vxlan|untagged", defaultValue = "${env:FACTNET_L2}",
            description = "Bridging: how a physical network's bridges on the nodes are joined (ADR 0035): vlan (802.1Q on its "
                    + "interface), vxlan (VNI = the VLAN, UDP 4789 to the peers over the underlay; needs --underlay-address) or "
                    + "untagged. A physical network not named follows --vlan-mode. Comma-separated or repeated; env FACTNET_L2.")
    List<String> l2 = new ArrayList<>();

    @Option(names = "--underlay-address", defaultValue = "${env:FACTNET_UNDERLAY_ADDRESS:-}",
            description = "This node's IPv4 address on the underlay between hosts: the VXLAN tunnel end, registered "
                    + "(RegisterNode.underlayAddress) so the network's other nodes reach this one. Env FACTNET_UNDERLAY_ADDRESS.")
    String underlayAddress;

    @Option(names = "--same-group-traffic", negatable = true, defaultValue = "${env:FACTNET_SAME_GROUP_TRAFFIC:-true}",
            fallbackValue = "true",
            description = "Bridging: a security group's members reach each other without a rule (nova's allow_same_net_traffic; "
                    + "default). --no-same-group-traffic: only the group's rules. Env FACTNET_SAME_GROUP_TRAFFIC.")
    boolean sameGroupTraffic = true;

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
        return bridging(Optional.empty());
    }

    /** The same, with {@code registered} as the underlay address when --underlay-address is not given (a node's registration). */
    BridgingConfig bridging(Optional<Ipv4Address> registered) {
        Map<String, InterfaceName> physical = new LinkedHashMap<>();
        for (String mapping : nonBlank(physicalInterfaces)) {
            String[] parts = mapping.contains("=") ? mapping.split("=", 2) : new String[] {"physnet1", mapping};
            physical.put(parts[0].strip(), new InterfaceName(parts[1].strip()));
        }
        Map<String, BridgingConfig.L2> modes = new LinkedHashMap<>();
        for (String mapping : nonBlank(l2)) {
            String[] parts = mapping.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank()) {
                throw new IllegalArgumentException("--l2 " + mapping + " is not PHYSNET=vlan|vxlan|untagged");
            }
            modes.put(parts[0].strip(), enumOf(BridgingConfig.L2.class, parts[1], "--l2 " + parts[0].strip() + "="));
        }
        Optional<Ipv4Address> underlay = underlayAddress == null || underlayAddress.isBlank() ? Optional.empty()
                : Optional.of(parseUnderlay(underlayAddress.strip()));
        return new BridgingConfig(enumOf(BridgingConfig.VlanMode.class, vlanMode, "--vlan-mode"), physical,
                portGrace == null ? BridgingConfig.DEFAULT_PORT_GRACE : portGrace, modes, underlay.or(() -> registered), sameGroupTraffic);
    }

    private static Ipv4Address parseUnderlay(String text) {
        try {
            return Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--underlay-address " + text + " is not an IPv4 address: " + e.getMessage(), e);
        }
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
