package io.factnet.controller.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AddressingMathTest {

    @Test
    void ipv4ParsingIsStrict() {
        assertThat(Ipv4.parse("10.0.0.1")).isEqualTo(0x0A000001L);
        assertThat(Ipv4.format(Ipv4.parse("255.255.255.255"))).isEqualTo("255.255.255.255");
        for (String bad : List.of("", "10.0.0", "10.0.0.1.2", "10.0.0.256", "010.0.0.1", "10.0.0.-1", "a.b.c.d",
                "10..0.1", "10.0.0.1 ", "1.2.3.4/8", "10.0.0.")) {
            assertThat(Ipv4.isValid(bad)).as("'%s'", bad).isFalse();
        }
    }

    @Test
    void cidrsMustBeAligned() {
        Cidr block = Cidr.parse("10.0.16.0/20");
        assertThat(block.size()).isEqualTo(4096);
        assertThat(Ipv4.format(block.last())).isEqualTo("10.0.31.255");
        assertThat(block.subnet(15, 24)).hasToString("10.0.31.0/24");
        assertThat(block.subnetIndexOf(Ipv4.parse("10.0.17.9"), 24)).isEqualTo(1);
        assertThat(block.contains(Cidr.parse("10.0.17.0/24"))).isTrue();
        assertThat(block.overlaps(Cidr.parse("10.0.0.0/16"))).isTrue();
        assertThat(block.overlaps(Cidr.parse("10.0.32.0/20"))).isFalse();
        for (String bad : List.of("10.0.16.1/20", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0", "10.0.0.0/08", "10.0.0.0/-1")) {
            assertThat(Cidr.parseOrNull(bad)).as("'%s'", bad).isNull();
        }
        assertThat(Cidr.parse("0.0.0.0/0").size()).isEqualTo(1L << 32);
    }

    @Test
    void addressRangesMergeAndNumberAddressesInOrder() {
        AddressRanges ranges = AddressRanges.merge(List.of(
                new long[] {Ipv4.parse("203.0.113.10"), Ipv4.parse("203.0.113.20")},
                new long[] {Ipv4.parse("198.51.100.0"), Ipv4.parse("198.51.100.3")},
                new long[] {Ipv4.parse("203.0.113.15"), Ipv4.parse("203.0.113.25")},
                new long[] {Ipv4.parse("203.0.113.26"), Ipv4.parse("203.0.113.26")}));
        assertThat(ranges.starts()).hasSize(2);
        assertThat(ranges.size()).isEqualTo(4 + 17);
        assertThat(Ipv4.format(ranges.addressAt(0))).isEqualTo("198.51.100.0");
        assertThat(Ipv4.format(ranges.addressAt(4))).isEqualTo("203.0.113.10");
        assertThat(Ipv4.format(ranges.addressAt(20))).isEqualTo("203.0.113.26");
        for (long n = 0; n < ranges.size(); n++) {
            assertThat(ranges.numberOf(ranges.addressAt(n))).isEqualTo(n);
        }
        assertThat(ranges.numberOf(Ipv4.parse("203.0.113.9"))).isEqualTo(-1);
        assertThat(ranges.numberOf(Ipv4.parse("1.1.1.1"))).isEqualTo(-1);
        assertThat(ranges.overlaps(AddressRanges.merge(List.<long[]>of(
                new long[] {Ipv4.parse("203.0.113.26"), Ipv4.parse("203.0.113.30")})))).isTrue();
        assertThat(ranges.overlaps(AddressRanges.merge(List.<long[]>of(
                new long[] {Ipv4.parse("198.51.100.4"), Ipv4.parse("203.0.113.9")})))).isFalse();
    }
}
