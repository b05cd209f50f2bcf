package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.FixedIp;
import io.factnet.model.InstanceMetadata;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.Result;
import io.factnet.model.SetInstanceMetadata;
import io.factnet.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SetInstanceMetadata (ADR 0033): the whole metadata on its own fact, keyed by the fixed address, gone with it. */
class InstanceMetadataCommandsTest extends TopologyTestBase {

    /** A well-formed OpenSSH public key line: the blob starts with its type as an SSH string. */
    static String key(String type, String comment) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer blob = ByteBuffer.allocate(4 + name.length + 4 + 32);
        blob.putInt(name.length).put(name).putInt(32).put(new byte[32]);
        return type + " " + Base64.getEncoder().encodeToString(blob.array()) + (comment == null ? "" : " " + comment);
    }

    static SetInstanceMetadata metadata(String instance, List<String> keys, String userData, Map<String, String> meta) {
        return SetInstanceMetadata.newBuilder().setInstance(instance).setSshKeys(keys).setUserData(userData).setMeta(meta).build();
    }

    @BeforeEach
    void pools() {
        standardPools();
    }

    @Test
    void theMetadataIsAFactOfTheFixedAddressAndIsReplacedWhole() {
        String address = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        String alice = key("ssh-ed25519", "alice@laptop");
        Result result = accepted(d.submit("p1", metadata("vm1", List.of(alice), "#cloud-config\nhostname: vm1\n",
                Map.of("role", "web"))));
        assertThat(result.getAllocated().getAddress()).isEqualTo(address);
        assertThat(result.getMessage()).contains("1 SSH key(s)").contains("1 meta entry");

        InstanceMetadata fact = d.fact(Topics.STATE_INSTANCE_METADATA, address);
        assertThat(fact.getProject()).isEqualTo("p1");
        assertThat(fact.getInstance()).isEqualTo("vm1");
        assertThat(fact.getSshKeys()).containsExactly(alice);
        assertThat(fact.getUserData()).isEqualTo("#cloud-config\nhostname: vm1\n");
        assertThat(fact.getMeta()).containsExactly(Map.entry("role", "web"));
        FixedIp fixed = d.fact(Topics.STATE_FIXED_IPS, address);
        assertThat(fixed.getInstance()).as("the hot fact is unchanged").isEqualTo("vm1");

        String bob = key("ecdsa-sha2-nistp256", null);
        accepted(d.submit("p1", SetInstanceMetadata.newBuilder().setInstance("vm1").setSshKeys(List.of(bob)).build()));
        fact = d.fact(Topics.STATE_INSTANCE_METADATA, address);
        assertThat(fact.getSshKeys()).as("replaced whole").containsExactly(bob);
        assertThat(fact.getUserData()).as("not given: empty").isEmpty();
        assertThat(fact.getMeta()).isEmpty();
    }

    @Test
    void anInstanceWithoutAFixedIpHasNoMetadata() {
        Result result = rejected(d.submit("p1", metadata("ghost", List.of(), "", Map.of())), Reason.NOT_FOUND);
        assertThat(result.getMessage()).contains("ghost").contains("no fixed IP");
        accepted(fixedIp("p2", "vm1"));
        rejected(d.submit("p1", metadata("vm1", List.of(), "", Map.of())), Reason.NOT_FOUND); // another project's
        assertThat(d.view(Topics.STATE_INSTANCE_METADATA)).isEmpty();
    }

    @Test
    void releasingTheAddressTombstonesTheMetadataAndTheNextInstanceStartsWithout() {
        String address = accepted(fixedIp("p1", "vm1")).getAllocated().getAddress();
        accepted(d.submit("p1", metadata("vm1", List.of(key("ssh-rsa", "x")), "secret", Map.of())));
        assertThat(d.fact(Topics.STATE_INSTANCE_METADATA, address)).isNotNull();
        accepted(d.submit("p1", ReleaseFixedIp.newBuilder().setInstance("vm1").build()));
        assertThat(d.fact(Topics.STATE_INSTANCE_METADATA, address)).as("tombstoned with the address").isNull();
        assertThat(d.history.get(Topics.STATE_INSTANCE_METADATA)).last().satisfies(r -> {
            assertThat(r.key()).isEqualTo(address);
            assertThat(r.value()).isNull();
        });
        rejected(d.submit("p1", metadata("vm1", List.of(), "", Map.of())), Reason.NOT_FOUND);
    }

    @Test
    void limitsAndShapesAreRefusedWithTheirReason() {
        accepted(fixedIp("p1", "vm1"));
        String good = key("ssh-ed25519", "a");
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add(key("ssh-ed25519", "k" + i));
        }
        assertInvalid(metadata("vm1", seventeen, "", Map.of()), "at most 16 keys");
        assertInvalid(metadata("vm1", List.of("not a key"), "", Map.of()), "sshKeys[0]");
        assertInvalid(metadata("vm1", List.of("ssh-foo " + good.split(" ")[1]), "", Map.of()), "key type");
        assertInvalid(metadata("vm1", List.of("ssh-rsa " + good.split(" ")[1]), "", Map.of()), "not a ssh-rsa public key");
        assertInvalid(metadata("vm1", List.of(good + "\nssh-ed25519 AAAA injected"), "", Map.of()), "sshKeys[0]");
        assertInvalid(metadata("vm1", List.of(good, good), "", Map.of()), "given twice");
        assertInvalid(metadata("vm1", List.of("ssh-ed25519 " + "A".repeat(16 * 1024)), "", Map.of()), "longer than 16384");
        assertInvalid(metadata("vm1", List.of(), "x".repeat(65536), Map.of()), "at most 65535 bytes");
        assertInvalid(metadata("vm1", List.of(), "é".repeat(32768), Map.of()), "at most 65535 bytes"); // 65536 bytes
        accepted(d.submit("p1", metadata("vm1", List.of(), "x".repeat(65535), Map.of())));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 129; i++) {
            many.put("k" + i, "v");
        }
        assertInvalid(metadata("vm1", List.of(), "", many), "at most 128 entries");
        assertInvalid(metadata("vm1", List.of(), "", Map.of("k", "x".repeat(256))), "at most 255");
        assertInvalid(metadata("vm1", List.of(), "", Map.of("k\n", "v")), "a key must be");
        assertInvalid(metadata("vm1", List.of(), "", Map.of("", "v")), "a key must be");
        assertInvalid(metadata("bad/name", List.of(), "", Map.of()), "instance must be");
    }

    private void assertInvalid(SetInstanceMetadata command, String message) {
        Result result = rejected(d.submit("p1", command), Reason.INVALID_ARGUMENT);
        assertThat(result.getMessage()).contains(message);
    }
}
