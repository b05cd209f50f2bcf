package io.factnet.node.routing;

import io.factnet.node.exec.Host;
import io.factnet.node.exec.IpLinks;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.net.InterfaceName;
import io.factnet.node.net.Ipv4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Floating addresses on the public interface (so the node answers ARP for them), added and removed
 * in one {@code ip -batch}. The kernel cannot tell whose a /32 is, so the addresses we put there
 * (with the fixed address each one pointed to) are kept in a state file: an address someone else
 * added is never removed, and after a restart we still know which associations ended.
 */
final class FloatingAddresses {
    private final Host host;
    private final InterfaceName device;
    private final Path owned;
    private final Path batch;
    private Map<Ipv4Address, Ipv4Address> applied;

    FloatingAddresses(Host host, InterfaceName device, Path folder) {
        this.host = host;
        this.device = device;
        this.owned = folder.resolve("floating-addresses");
        this.batch = folder.resolve("floating-addresses.batch");
    }

    /** What changed: whether addresses were added or removed, and the floating addresses whose association ended or moved. */
    record Outcome(boolean changed, List<Ipv4Address> ended) {
    }

    Outcome sync(List<RoutingModel.FloatingMapping> mappings, boolean verify) {
        Map<Ipv4Address, Ipv4Address> want = new TreeMap<>();
        mappings.forEach(m -> want.put(m.floating(), m.fixed()));
        if (applied == null) {
            applied = readOwned();
        }
        if (!verify && want.equals(applied)) {
            return new Outcome(false, List.of());
        }
        Set<Ipv4Address> present = present();
        List<Ipv4Address> ended = new ArrayList<>();
        applied.forEach((floating, fixed) -> {
            if (!fixed.equals(want.get(floating))) {
                ended.add(floating);
            }
        });
        StringBuilder commands = new StringBuilder();
        want.keySet().stream().filter(a -> !present.contains(a))
                .forEach(a -> commands.append("address add ").append(a).append("/32 dev ").append(device).append('\n'));
        applied.keySet().stream().filter(a -> present.contains(a) && !want.containsKey(a))
                .forEach(a -> commands.append("address del ").append(a).append("/32 dev ").append(device).append('\n'));
        if (commands.length() > 0) {
            // Before touching the kernel, remember every address that may be ours after this step.
            Map<Ipv4Address, Ipv4Address> union = new TreeMap<>(applied);
            union.putAll(want);
            writeOwned(union);
            StateFiles.write(batch, commands.toString(), StateFiles.PRIVATE);
            host.run("ip", "-batch", batch.toString());
        }
        writeOwned(want);
        applied = want;
        return new Outcome(commands.length() > 0, ended);
    }

    private Set<Ipv4Address> present() {
        Set<Ipv4Address> addresses = new HashSet<>();
        IpLinks.read(host, device).addresses().stream().filter(a -> a.prefix() == 32).forEach(a -> addresses.add(a.address()));
        return addresses;
    }

    private Map<Ipv4Address, Ipv4Address> readOwned() {
        Map<Ipv4Address, Ipv4Address> map = new TreeMap<>();
        StateFiles.read(owned).ifPresent(text -> text.lines().filter(l -> !l.isBlank()).forEach(line -> {
            String[] parts = line.split(" ");
            map.put(Ipv4Address.parse(parts[0]), Ipv4Address.parse(parts[1]));
        }));
        return map;
    }

    private void writeOwned(Map<Ipv4Address, Ipv4Address> map) {
        StringBuilder out = new StringBuilder(map.size() * 32);
        map.forEach((floating, fixed) -> out.append(floating).append(' ').append(fixed).append('\n'));
        StateFiles.writeIfChanged(owned, out.toString(), StateFiles.PRIVATE);
    }
}
