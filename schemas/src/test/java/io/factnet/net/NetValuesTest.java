package io.factnet.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetValuesTest {

    @Test
    void parsesAddressesAndNetworks() {
        assertThat(Ipv4Address.parse("10.0.1.5").toString()).isEqualTo("10.0.1.5");
        assertThat(Ipv4Address.parse("255.255.255.255").bits()).isEqualTo(-1);
        assertThat(Ipv4Address.parse("0.0.0.0").bits()).isZero();
        Ipv4Cidr block = Ipv4Cidr.parseNetwork("10.0.0.0/20");
        assertThat(block.netmask().toString()).isEqualTo("255.255.240.0");
        assertThat(block.last().toString()).isEqualTo("10.0.15.255");
        assertThat(block.contains(Ipv4Address.parse("10.0.15.1"))).isTrue();
        assertThat(block.contains(Ipv4Address.parse("10.0.16.1"))).isFalse();
        assertThat(block.contains(Ipv4Cidr.parseNetwork("10.0.1.0/24"))).isTrue();
        assertThat(Ipv4Cidr.parseInterface("10.0.0.1/20").networkCidr()).isEqualTo(block);
        assertThat(Ipv4Cidr.parseNetworkOrAddress("192.0.2.7").prefix()).isEqualTo(32);
        assertThat(Ipv4Cidr.parseNetwork("0.0.0.0/0").contains(Ipv4Address.parse("203.0.113.9"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "010.0.0.1", " 1.2.3.4", "1.2.3.4\n",
            "\uff11.2.3.4", "1.2.3.-4", "1.2.3.4/32", "a.b.c.d", "1.2.3.", ".1.2.3", "1.2.3.4444"})
    void refusesWhatIsNotAnAddress(String text) {
        assertThatThrownBy(() -> Ipv4Address.parse(text)).isInstanceOf(InvalidValueException.class)
                .hasMessageNotContaining("\n");
    }

    @Test
    void refusesNetworksWithHostBitsAndBadPrefixes() {
        assertThatThrownBy(() -> Ipv4Cidr.parseNetwork("10.0.0.1/20")).hasMessageContaining("host bits");
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/020", "10.0.0.0", "10.0.0.0/-1"}) {
            assertThatThrownBy(() -> Ipv4Cidr.parseNetwork(bad)).as(bad).isInstanceOf(InvalidValueException.class);
        }
    }

    @Test
    void macsAreUnicastAndLowerCase() {
        assertThat(MacAddress.parse("FA:16:3E:00:00:0A").toString()).isEqualTo("fa:16:3e:00:00:0a");
        for (String bad : new String[] {"01:00:5e:00:00:01", "00:00:00:00:00:00", "fa-16-3e-00-00-0a", "fa:16:3e:00:00",
                "fa:16:3e:00:00:0g", "fa:16:3e:00:00:0a\n"}) {
            assertThatThrownBy(() -> MacAddress.parse(bad)).as(bad).isInstanceOf(InvalidValueException.class);
        }
    }

    @Test
    void interfaceNamesFollowTheKernelAndStaySafeAsArguments() {
        assertThat(InterfaceName.of("br100").name()).isEqualTo("br100");
        assertThat(InterfaceName.of("a234567890abcde").name()).hasSize(15);
        for (String bad : new String[] {"a234567890abcdef", "br/100", "br:1", "br 1", "-br", ".", "..", "", "br\u00e9",
                "br;x", "br\n"}) {
            assertThatThrownBy(() -> InterfaceName.of(bad)).as(bad).isInstanceOf(InvalidValueException.class);
        }
    }

    @Test
    void hostnamesAreSanitizedIntoOneLabel() {
        assertThat(Hostname.sanitize("\u00c9lan Vital", "x").label()).isEqualTo("elan-vital");
        assertThat(Hostname.sanitize("web_01.example.com", "x").label()).isEqualTo("web-01-example-com");
        assertThat(Hostname.sanitize("'; rm -rf / #", "host-10-0-1-5").label()).isEqualTo("rm-rf");
        assertThat(Hostname.sanitize("\u65e5\u672c", "host-10-0-1-5").label()).isEqualTo("host-10-0-1-5");
        assertThat(Hostname.sanitize(null, "host-1").label()).isEqualTo("host-1");
        assertThat(Hostname.sanitize("a".repeat(200), "x").label()).hasSize(63);
    }

    @Test
    void domainsAndKeysAreCheckedNotRepaired() {
        assertThat(new DomainName("novalocal").name()).isEqualTo("novalocal");
        assertThat(new DomainName("p1.cloud.example").name()).isEqualTo("p1.cloud.example");
        for (String bad : new String[] {"", "-a.b", "a..b", "A.b", "a b", "a;b", "x".repeat(64)}) {
            assertThatThrownBy(() -> new DomainName(bad)).as(bad).isInstanceOf(InvalidValueException.class);
        }
        assertThat(new WireGuardKey("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=").bytes()).hasSize(32);
        for (String bad : new String[] {"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg", "not a key", "",
                "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh="}) {
            assertThatThrownBy(() -> new WireGuardKey(bad)).as(bad).isInstanceOf(InvalidValueException.class);
        }
    }

    @Test
    void messagesQuoteHostileInputEscapedAndShort() {
        String message = new InvalidValueException("x", "a\nb\"" + "c".repeat(500), "bad").getMessage();
        assertThat(message).doesNotContain("\n").contains("a\\u000ab\\\"").contains("(504 chars)").hasSizeLessThan(120);
    }
}
