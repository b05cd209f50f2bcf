package io.factnet.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class AddressRunsTest {

    @Test
    void coversARangeWithTheFewestAlignedBlocks() {
        assertThat(AddressRuns.cover(10, 11)).extracting(Ipv4Cidr::toString).containsExactly("0.0.0.10/31");
        assertThat(AddressRuns.cover(Ipv4Address.parse("203.0.113.1").value(), Ipv4Address.parse("203.0.113.254").value()))
                .extracting(Ipv4Cidr::toString).containsExactly("203.0.113.1/32", "203.0.113.2/31", "203.0.113.4/30",
                        "203.0.113.8/29", "203.0.113.16/28", "203.0.113.32/27", "203.0.113.64/26", "203.0.113.128/26",
                        "203.0.113.192/27", "203.0.113.224/28", "203.0.113.240/29", "203.0.113.248/30",
                        "203.0.113.252/31", "203.0.113.254/32");
        assertThat(AddressRuns.cover(0, 0xFFFF_FFFFL)).extracting(Ipv4Cidr::toString).containsExactly("0.0.0.0/0");
        assertThat(AddressRuns.cover(0xFFFF_FFFFL, 0xFFFF_FFFFL)).extracting(Ipv4Cidr::toString)
                .containsExactly("255.255.255.255/32");
    }

    /** 100k addresses handed out lowest first are a few blocks. */
    @Test
    void aPoolHandedOutInOrderIsAFewBlocks() {
        long first = Ipv4Address.parse("198.18.0.0").value();
        List<Ipv4Address> addresses = new java.util.ArrayList<>();
        for (long a = first; a < first + 100_000; a++) {
            addresses.add(Ipv4Address.of(a));
        }
        assertThat(AddressRuns.of(addresses).blocks()).hasSizeLessThan(10);
    }

    /**
     * Random adds and removes, checked against a plain set: the blocks cover exactly the set, no two blocks could
     * be one, and the blocks an incremental change replaces (around the touched addresses) turn the previous cover
     * into the full recompute.
     */
    @Test
    void incrementalChangesEndInTheFullCover() {
        Random random = new Random(47);
        for (int round = 0; round < 200; round++) {
            AddressRuns runs = new AddressRuns();
            Set<Long> plain = new TreeSet<>();
            Set<Ipv4Cidr> kernel = new HashSet<>();
            for (int step = 0; step < 60; step++) {
                Set<Long> touched = new HashSet<>();
                int changes = 1 + random.nextInt(4);
                for (int i = 0; i < changes; i++) {
                    touched.add((long) random.nextInt(64));
                }
                Set<Ipv4Cidr> before = new HashSet<>();
                touched.forEach(a -> before.addAll(runs.blocksAround(a)));
                for (long a : touched) {
                    if (random.nextBoolean()) {
                        runs.add(a);
                        plain.add(a);
                    } else {
                        runs.remove(a);
                        plain.remove(a);
                    }
                }
                Set<Ipv4Cidr> after = new HashSet<>();
                touched.forEach(a -> after.addAll(runs.blocksAround(a)));
                kernel.removeAll(before);
                kernel.addAll(after);

                Set<Ipv4Cidr> full = runs.blocks();
                assertThat(kernel).as("round %d step %d", round, step).isEqualTo(full);
                Set<Long> covered = new TreeSet<>();
                full.forEach(block -> {
                    for (long a = block.network().value(); a <= block.last().value(); a++) {
                        assertThat(covered.add(a)).as("blocks overlap at %d", a).isTrue();
                    }
                });
                assertThat(covered).isEqualTo(plain);
                full.forEach(block -> {
                    if (block.prefix() > 0) {
                        Ipv4Cidr parent = new Ipv4Cidr(block.address(), block.prefix() - 1).networkCidr();
                        Ipv4Cidr sibling = new Ipv4Cidr(parent.network().value() == block.network().value()
                                ? Ipv4Address.of(block.network().value() + block.size()) : parent.network(), block.prefix());
                        assertThat(full).as("%s and %s make one block", block, sibling).doesNotContain(sibling);
                    }
                });
            }
        }
    }
}
