package io.factnet.controller.project;

import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.Allocation;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceMetadata;
import io.factnet.model.SetInstanceMetadata;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Instances' cloud-init metadata (ADR 0033): SSH keys, user data and free metadata, checked here and written whole to
 * factnet.state.instance-metadata under the instance's fixed address. The controller keeps no copy: the fact is the
 * one record, and {@link FixedIpHandlers#release} tombstones it with the address.
 */
final class MetadataHandlers {
    /** nova's limit of user data (its column held 65535 bytes). */
    static final int MAX_USER_DATA_BYTES = 65535;
    static final int MAX_KEYS = 16;
    static final int MAX_KEY_CHARS = 16 * 1024;
    static final int MAX_META = 128;
    static final int MAX_META_KEY = 255;
    static final int MAX_META_VALUE = 255;

    /** OpenSSH's public key types (authorized_keys), the ones cloud-init writes. */
    static final Set<String> KEY_TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");
    /** type, one space, base64, and an optional comment of printable characters (never a line break: one key, one line). */
    private static final Pattern KEY = Pattern.compile("([a-z0-9@.-]{1,64}) ([A-Za-z0-9+/]+={0,2})(?: ([\\p{Print}&&[^\\p{Cntrl}]]*))?");
    private static final Pattern PRINTABLE = Pattern.compile("[\\p{Print}&&[^\\p{Cntrl}]]*");

    private MetadataHandlers() {
    }

    static final class SetMetadata implements Handler<SetInstanceMetadata> {
        @Override
        public Handled handle(ProjectContext ctx, SetInstanceMetadata command) {
            String instance = Check.name("instance", command.getInstance());
            List<String> keys = sshKeys(command.getSshKeys());
            String userData = userData(command.getUserData());
            Map<String, String> meta = meta(command.getMeta());
            FixedIp fixed = ctx.stores.fixedIps.get(ctx.key(instance));
            if (fixed == null) {
                throw Rejected.notFound("instance " + instance + " has no fixed IP in project " + ctx.project
                        + " (metadata is served for an instance's fixed address)");
            }
            InstanceMetadata metadata = InstanceMetadata.newBuilder().setAddress(fixed.getAddress()).setProject(ctx.project)
                    .setInstance(instance).setSshKeys(keys).setUserData(userData).setMeta(meta).build();
            ctx.state(Topics.STATE_INSTANCE_METADATA, fixed.getAddress(), metadata);
            int bytes = userData.getBytes(StandardCharsets.UTF_8).length;
            return Handled.accepted("metadata of " + instance + " (" + fixed.getAddress() + "): " + keys.size() + " SSH key(s), "
                    + bytes + " bytes of user data, " + meta.size() + " meta entr" + (meta.size() == 1 ? "y" : "ies"),
                    Allocation.newBuilder().setAddress(fixed.getAddress()).setInstance(instance).build());
        }
    }

    static List<String> sshKeys(List<String> given) {
        List<String> keys = given == null ? List.of() : given;
        if (keys.size() > MAX_KEYS) {
            throw Rejected.invalid("sshKeys: at most " + MAX_KEYS + " keys, not " + keys.size());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i) == null ? "" : keys.get(i).strip();
            String field = "sshKeys[" + i + "]";
            if (key.length() > MAX_KEY_CHARS) {
                throw Rejected.invalid(field + " is longer than " + MAX_KEY_CHARS + " characters");
            }
            Matcher m = KEY.matcher(key);
            if (!m.matches()) {
                throw Rejected.invalid(field + " must be one OpenSSH public key line (type base64 [comment]): " + Check.quote(key));
            }
            String type = m.group(1);
            if (!KEY_TYPES.contains(type)) {
                throw Rejected.invalid(field + " has a key type OpenSSH does not know: " + Check.quote(type));
            }
            if (!blobNames(m.group(2), type)) {
                throw Rejected.invalid(field + ": the base64 is not a " + type + " public key");
            }
            if (out.contains(key)) {
                throw Rejected.invalid(field + " is given twice");
            }
            out.add(key);
        }
        return out;
    }

    /** The key's blob starts with its type as an SSH string (uint32 length, bytes), as ssh-keygen writes it. */
    private static boolean blobNames(String base64, String type) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        if (blob.length < 4 + name.length + 4) {
            return false;
        }
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        if (buffer.getInt() != name.length) {
            return false;
        }
        byte[] found = new byte[name.length];
        buffer.get(found);
        return java.util.Arrays.equals(found, name);
    }

    static String userData(String given) {
        String data = given == null ? "" : given;
        // UTF-8 takes at most 3 bytes a char: the count is only needed near the limit
        if (data.length() * 3L > MAX_USER_DATA_BYTES && data.getBytes(StandardCharsets.UTF_8).length > MAX_USER_DATA_BYTES) {
            throw Rejected.invalid("userData: at most " + MAX_USER_DATA_BYTES + " bytes (UTF-8), not "
                    + data.getBytes(StandardCharsets.UTF_8).length);
        }
        return data;
    }

    static Map<String, String> meta(Map<String, String> given) {
        Map<String, String> meta = given == null ? Map.of() : given;
        if (meta.size() > MAX_META) {
            throw Rejected.invalid("meta: at most " + MAX_META + " entries, not " + meta.size());
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> entry : meta.entrySet()) {
            String key = entry.getKey() == null ? "" : entry.getKey();
            String value = entry.getValue() == null ? "" : entry.getValue();
            if (key.isEmpty() || key.length() > MAX_META_KEY || !PRINTABLE.matcher(key).matches()) {
                throw Rejected.invalid("meta: a key must be 1-" + MAX_META_KEY + " printable characters: " + Check.quote(key));
            }
            if (value.length() > MAX_META_VALUE || !PRINTABLE.matcher(value).matches()) {
                throw Rejected.invalid("meta " + Check.quote(key) + ": a value must be at most " + MAX_META_VALUE
                        + " printable characters");
            }
            out.put(key, value);
        }
        return new LinkedHashMap<>(out);
    }
}
