package io.factnet.node.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.net.Ipv4Cidr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's links and IPv4 addresses as {@code ip -j -d address show} reports them: one call for
 * everything a reconciler compares against. Objects are ours when their alias says so (the kernel
 * keeps an interface alias for us, so ownership survives an agent restart).
 */
public final class IpLinks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IpLinks() {
    }

    /**
     * One link: kind (bridge, vlan, vxlan, wireguard, tun, ...), state and relations, its IPv4 addresses. {@code vlanId}
     * is a VLAN's id or a VXLAN's VNI, {@code parent} a VLAN's or VXLAN's lower device, {@code local} a VXLAN's source.
     */
    public record Link(String name, String kind, boolean up, String master, String alias, String parent, Integer vlanId,
                       List<Ipv4Cidr> addresses, String local) {
        public boolean ownedBy(String owner) {
            return owner.equals(alias);
        }
    }

    public static Map<String, Link> read(Host host) {
        return parse(host.run("ip", "-j", "-d", "address", "show").stdout());
    }

    private static Map<String, Link> parse(String json) {
        Map<String, Link> links = new LinkedHashMap<>();
        try {
            for (JsonNode node : JSON.readTree(json.isBlank() ? "[]" : json)) {
                List<Ipv4Cidr> addresses = new ArrayList<>();
                for (JsonNode info : node.path("addr_info")) {
                    if ("inet".equals(info.path("family").asText())) {
                        addresses.add(new Ipv4Cidr(io.factnet.net.Ipv4Address.parse(info.path("local").asText()),
                                info.path("prefixlen").asInt()));
                    }
                }
                boolean up = false;
                for (JsonNode flag : node.path("flags")) {
                    up |= flag.asText().equals("UP");
                }
                JsonNode info = node.path("linkinfo");
                String name = node.path("ifname").asText();
                JsonNode data = info.path("info_data");
                // A VLAN's lower device is the link's "link", a VXLAN's is in its info_data.
                String parent = node.has("link") ? text(node, "link") : text(data, "link");
                links.put(name, new Link(name, info.path("info_kind").asText(""), up, text(node, "master"),
                        text(node, "ifalias"), parent, data.has("id") ? data.path("id").asInt() : null, addresses,
                        text(data, "local")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ip's JSON output: " + e.getMessage(), e);
        }
        return links;
    }

    private static String text(JsonNode node, String field) {
        return node.has(field) ? node.path(field).asText() : null;
    }
}
