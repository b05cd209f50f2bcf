package io.factnet.node.metadata;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factnet.http.Call;
import io.factnet.http.Reply;
import io.factnet.http.Route;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The metadata service's answers (ADR 0033): OpenStack's {@code /openstack/<version>/meta_data.json} and
 * {@code user_data}, EC2's {@code /<version>/meta-data/...} and {@code user-data}, for the instance whose fixed
 * address is the TCP peer's address. Nothing the client sends names the instance: no header (X-Forwarded-For,
 * X-Instance-ID), no query, no path part. An address that is no instance's gets 404, an unknown path 404, a method
 * other than GET or HEAD 405, and everything 503 until the facts are read up to their end (or while the address's
 * latest record could not be read).
 */
public final class MetadataRoute implements Route {
    static final String TEXT = "text/plain; charset=utf-8";
    /** The versions cloud-init asks for (it falls back to latest). */
    static final Set<String> EC2_VERSIONS = Set.of("latest", "2009-04-04");
    static final Set<String> OPENSTACK_VERSIONS = Set.of("latest", "2012-08-10", "2013-04-04", "2013-10-17");

    private final MetadataFacts facts;
    private final BooleanSupplier ready;
    private final String availabilityZone;

    public MetadataRoute(MetadataFacts facts, BooleanSupplier ready, String availabilityZone) {
        this.facts = facts;
        this.ready = ready;
        this.availabilityZone = availabilityZone;
    }

    @Override
    public Reply answer(Call call) {
        if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
            return Reply.error(405, "the metadata service answers GET only");
        }
        if (!ready.getAsBoolean()) {
            return Reply.error(503, "the metadata service is still reading the facts");
        }
        String peer = call.peer();
        if (peer == null) {
            return Reply.error(404, "no instance at this address");
        }
        MetadataFacts.Lookup lookup = facts.at(peer);
        if (lookup instanceof MetadataFacts.Lookup.Unreadable) {
            return Reply.error(503, "this instance's facts could not be read");
        }
        if (!(lookup instanceof MetadataFacts.Lookup.Found found)) {
            return Reply.error(404, "no instance at this address");
        }
        Reply reply = answer(found.instance(), call.rawPath());
        return reply == null ? Reply.error(404, "no such metadata path") : reply;
    }

    private Reply answer(MetadataFacts.Instance instance, String rawPath) {
        List<String> parts = new ArrayList<>();
        for (String part : rawPath.split("/")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        boolean directory = rawPath.endsWith("/");
        if (parts.isEmpty()) {
            return text(String.join("\n", sorted(EC2_VERSIONS)) + "\nopenstack");
        }
        if (parts.get(0).equals("openstack")) {
            return openstack(instance, parts.subList(1, parts.size()));
        }
        if (EC2_VERSIONS.contains(parts.get(0))) {
            return ec2(instance, parts.subList(1, parts.size()), directory);
        }
        return null;
    }

    // ---------------------------------------------------------------- OpenStack

    private Reply openstack(MetadataFacts.Instance instance, List<String> parts) {
        if (parts.isEmpty()) {
            return text(String.join("\n", sorted(OPENSTACK_VERSIONS)));
        }
        if (!OPENSTACK_VERSIONS.contains(parts.get(0))) {
            return null;
        }
        String userData = userData(instance);
        if (parts.size() == 1) {
            return text("meta_data.json" + (userData.isEmpty() ? "" : "\nuser_data"));
        }
        if (parts.size() != 2) {
            return null;
        }
        return switch (parts.get(1)) {
            case "meta_data.json" -> Reply.json(200, metaDataJson(instance));
            case "user_data" -> userData.isEmpty() ? null : raw(userData);
            default -> null;
        };
    }

    ObjectNode metaDataJson(MetadataFacts.Instance instance) {
        FixedIp fixed = instance.fixed();
        ObjectNode out = Reply.MAPPER.createObjectNode();
        out.put("uuid", uuid(fixed));
        out.put("name", fixed.getInstance());
        out.put("hostname", fixed.getHostname());
        out.put("project_id", fixed.getProject());
        out.put("availability_zone", availabilityZone);
        out.put("launch_index", 0);
        List<String> keys = keys(instance);
        ObjectNode publicKeys = out.putObject("public_keys");
        ArrayNode keyList = out.putArray("keys");
        for (int i = 0; i < keys.size(); i++) {
            publicKeys.put(keyName(i), keys.get(i));
            keyList.addObject().put("name", keyName(i)).put("type", "ssh").put("data", keys.get(i));
        }
        ObjectNode meta = out.putObject("meta");
        instance.metadata().map(InstanceMetadata::getMeta).orElse(Map.of()).forEach(meta::put);
        return out;
    }

    // ---------------------------------------------------------------- EC2

    private Reply ec2(MetadataFacts.Instance instance, List<String> parts, boolean directory) {
        if (parts.isEmpty()) {
            return text("meta-data/" + (userData(instance).isEmpty() ? "" : "\nuser-data"));
        }
        if (parts.get(0).equals("user-data") && parts.size() == 1) {
            String userData = userData(instance);
            return userData.isEmpty() ? null : raw(userData);
        }
        if (!parts.get(0).equals("meta-data")) {
            return null;
        }
        List<String> rest = parts.subList(1, parts.size());
        FixedIp fixed = instance.fixed();
        List<String> keys = keys(instance);
        if (rest.isEmpty()) {
            List<String> names = new ArrayList<>(List.of("ami-launch-index", "hostname", "instance-id", "local-hostname",
                    "local-ipv4", "placement/"));
            if (instance.floating().isPresent()) {
                names.add("public-ipv4");
            }
            if (!keys.isEmpty()) {
                names.add("public-keys/");
            }
            return text(String.join("\n", names.stream().sorted().toList()));
        }
        String name = rest.get(0);
        if (rest.size() == 1 && !directory) {
            return switch (name) {
                case "ami-launch-index" -> text("0");
                case "hostname", "local-hostname" -> text(fixed.getHostname());
                case "instance-id" -> text(instanceId(fixed));
                case "local-ipv4" -> text(fixed.getAddress());
                case "public-ipv4" -> instance.floating().map(this::text).orElse(null);
                case "placement" -> text("availability-zone");
                case "public-keys" -> keys.isEmpty() ? null : keyListing(keys);
                default -> null;
            };
        }
        if (name.equals("placement")) {
            if (rest.size() == 1) {
                return text("availability-zone");
            }
            return rest.size() == 2 && rest.get(1).equals("availability-zone") ? text(availabilityZone) : null;
        }
        if (name.equals("public-keys") && !keys.isEmpty()) {
            if (rest.size() == 1) {
                return keyListing(keys);
            }
            int index = index(rest.get(1), keys.size());
            if (index < 0) {
                return null;
            }
            if (rest.size() == 2) {
                return text("openssh-key");
            }
            return rest.size() == 3 && rest.get(2).equals("openssh-key") ? text(keys.get(index)) : null;
        }
        return null;
    }

    private Reply keyListing(List<String> keys) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            lines.add(i + "=" + keyName(i));
        }
        return text(String.join("\n", lines));
    }

    // ---------------------------------------------------------------- helpers

    /** A stable id of the instance: a name-based UUID of project and instance (factnet has no instance UUIDs). */
    static String uuid(FixedIp fixed) {
        return UUID.nameUUIDFromBytes(("factnet-instance:" + fixed.getProject() + "/" + fixed.getInstance())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** EC2's form of the same id: i- and its first 8 hex digits. */
    static String instanceId(FixedIp fixed) {
        return "i-" + uuid(fixed).substring(0, 8);
    }

    private static String keyName(int index) {
        return "key-" + index;
    }

    private static List<String> keys(MetadataFacts.Instance instance) {
        return instance.metadata().map(InstanceMetadata::getSshKeys).orElse(List.of());
    }

    private static String userData(MetadataFacts.Instance instance) {
        return instance.metadata().map(InstanceMetadata::getUserData).orElse("");
    }

    private static int index(String text, int size) {
        if (!text.matches("[0-9]{1,2}")) {
            return -1;
        }
        int index = Integer.parseInt(text);
        return index < size ? index : -1;
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    private Reply text(String body) {
        return Reply.text(200, body, TEXT);
    }

    /** User data as given: its bytes, not text to be read. */
    private static Reply raw(String body) {
        return new Reply(200, body.getBytes(StandardCharsets.UTF_8), "application/octet-stream");
    }
}
