package io.factnet.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.node.sim.SimulatedHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloatingAddressesTest {
    @TempDir
    Path folder;

    @Test
    void theStateFileReadsAsWhatWasAppliedAndStaysBoundedUnderManyChanges() throws Exception {
        SimulatedHost sim = new SimulatedHost();
        sim.ip().addLink("pub0", "veth").addresses.add("198.51.100.1/24");
        FloatingAddresses addresses = new FloatingAddresses(sim.host(), InterfaceName.of("pub0"), folder);
        addresses.sync(List.of(new RoutingModel.FloatingMapping(address(0), Ipv4Address.parse("10.0.0.2"), true)), false);

        Random random = new Random(7);
        Map<Ipv4Address, Ipv4Address> expected = new TreeMap<>(Map.of(address(0), Ipv4Address.parse("10.0.0.2")));
        int longest = 0;
        for (int change = 0; change < 5000; change++) {
            Ipv4Address floating = address(random.nextInt(20));
            Ipv4Address fixed = random.nextBoolean() ? null : Ipv4Address.parse("10.0.0." + (2 + random.nextInt(200)));
            Map<Ipv4Address, Ipv4Address> touched = new HashMap<>();
            touched.put(floating, fixed);
            addresses.apply(touched);
            if (fixed == null) {
                expected.remove(floating);
            } else {
                expected.put(floating, fixed);
            }
            String text = Files.readString(folder.resolve("floating-addresses"));
            assertThat(FloatingAddressJournal.read(text)).as("after change %d", change).isEqualTo(expected);
            longest = Math.max(longest, (int) text.lines().count());
        }
        // 5000 changes of 20 addresses: the journal is rewritten whole before it passes its bound.
        assertThat(longest).isGreaterThan(20).isLessThanOrEqualTo(1024 + 20 + 1);
    }

    private static Ipv4Address address(int i) {
        return Ipv4Address.parse("198.51.100." + (10 + i));
    }
}
