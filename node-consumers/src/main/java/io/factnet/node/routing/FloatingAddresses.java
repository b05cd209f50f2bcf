package io.factnet.node.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes the node answer ARP for its floating addresses on the public interface: one local route
 * per address ({@code local A/32 dev pub table local proto 211}), added and removed in one
 * {@code ip -batch}. nova added each floating address to the interface instead, but the kernel
 * keeps interface addresses in a list: 100k of them took 7 minutes to add, the same 100k local
 * routes 0.8 s (docs/adr/0010). The route protocol marks them ours, so a route or address someone
 * else made is never touched. A state file keeps the fixed address each one pointed to, so after
 * a restart the agent still knows which associations ended or moved (their connections must go).
 */
final class FloatingAddresses {
    static final String ROUTE_PROTOCOL = "211";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Host host;
    private final InterfaceName device;
    private final Path mappings;
    private final Path batch;
    private Map<Ipv4Address, Ipv4Address> applied;
    /** Lines appended to the state file since it was last written whole. */
    private int journalLines;
    private static final int MIN_JOURNAL_LINES = 1024;

    FloatingAddresses(Host host, InterfaceName device, Path folder) {
        this.host = host;
        this.device = device;
        this.mappings = folder.resolve("floating-addresses");
        this.batch = folder.resolve("floating-addresses.batch");
    }

    /** Whether routes were added or removed, and the floating addresses whose association ended or moved. */
    record Change(boolean changed, List<Ipv4Address> ended) {
    }

    Change sync(List<RoutingModel.FloatingMapping> desired, boolean verify) {
        Map<Ipv4Address, Ipv4Address> want = new TreeMap<>();
        desired.forEach(m -> want.put(m.floating(), m.fixed()));
        if (applied == null) {
            applied = readMappings();
        }
        if (!verify && want.equals(applied)) {
            return new Change(false, List.of());
        }
        List<Ipv4Address> ended = new ArrayList<>();
        applied.forEach((floating, fixed) -> {
            if (!fixed.equals(want.get(floating))) {
                ended.add(floating);
            }
        });
        // Without verify the last apply is trusted (reading 100k routes back costs half a second).
        Set<Ipv4Address> present = verify ? present() : applied.keySet();
        StringBuilder commands = new StringBuilder();
        want.keySet().stream().filter(a -> !present.contains(a)).forEach(a -> commands.append(route("add", a)));
        present.stream().filter(a -> !want.containsKey(a)).sorted().forEach(a -> commands.append(route("del", a)));
        if (commands.length() > 0) {
            StateFiles.write(batch, commands.toString(), StateFiles.PRIVATE);
            host.run("ip", "-batch", batch.toString());
        }
        writeMappings(want);
        applied = want;
        return new Change(commands.length() > 0, ended);
    }

    /**
     * Changes only the floating addresses named (address -> fixed address now, null: no longer associated):
     * routes added or removed for them, their association recorded by appending to the state file (a whole
     * sync writes it anew). Needs a whole {@link #sync} before (it knows what the kernel holds).
     */
    Change apply(Map<Ipv4Address, Ipv4Address> touched) {
        if (applied == null) {
            throw new IllegalStateException("no whole sync of the floating addresses yet");
        }
        List<Ipv4Address> ended = new ArrayList<>();
        StringBuilder commands = new StringBuilder();
        StringBuilder journal = new StringBuilder();
        touched.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(change -> {
            Ipv4Address floating = change.getKey();
            Ipv4Address fixed = change.getValue();
            Ipv4Address before = applied.get(floating);
            if (before != null && !before.equals(fixed)) {
                ended.add(floating);
            }
            if (before == null && fixed != null) {
                commands.append(route("add", floating));
            } else if (before != null && fixed == null) {
                commands.append(route("del", floating));
            }
            if (!Objects.equals(before, fixed)) {
                journal.append(FloatingAddressJournal.change(floating, fixed));
                journalLines++;
            }
        });
        if (commands.length() > 0) {
            StateFiles.write(batch, commands.toString(), StateFiles.PRIVATE);
            host.run("ip", "-batch", batch.toString());
        }
        touched.forEach((floating, fixed) -> {
            if (fixed == null) {
                applied.remove(floating);
            } else {
                applied.put(floating, fixed);
            }
        });
        if (journalLines > Math.max(MIN_JOURNAL_LINES, applied.size())) {
            writeMappings(applied); // the journal never grows past twice what it describes
        } else if (journal.length() > 0) {
            appendMappings(journal.toString());
        }
        return new Change(commands.length() > 0, ended);
    }

    private void appendMappings(String lines) {
        try {
            java.nio.file.Files.writeString(mappings, lines, java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.nio.file.NoSuchFileException e) {
            writeMappings(applied);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + mappings + ": " + e.getMessage(), e);
        }
    }

    private String route(String verb, Ipv4Address address) {
        return "route " + verb + " local " + address + "/32 dev " + device + " table local proto " + ROUTE_PROTOCOL + "\n";
    }

    /** Our local routes on the public interface, as the kernel has them. */
    private Set<Ipv4Address> present() {
        String json = host.run("ip", "-j", "route", "show", "table", "local", "proto", ROUTE_PROTOCOL).stdout();
        Set<Ipv4Address> addresses = new HashSet<>();
        try {
            for (JsonNode route : JSON.readTree(json.isBlank() ? "[]" : json)) {
                String dst = route.path("dst").asText();
                if ("local".equals(route.path("type").asText()) && device.name().equals(route.path("dev").asText())
                        && !dst.contains("/")) {
                    addresses.add(Ipv4Address.parse(dst));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ip's JSON output: " + e.getMessage(), e);
        }
        return addresses;
    }

    private Map<Ipv4Address, Ipv4Address> readMappings() {
        String text = StateFiles.read(mappings).orElse("");
        journalLines = (int) text.lines().count(); // as if all were appended: a long journal read here is compacted soon
        return new TreeMap<>(FloatingAddressJournal.read(text));
    }

    private void writeMappings(Map<Ipv4Address, Ipv4Address> map) {
        StateFiles.writeIfChanged(mappings, FloatingAddressJournal.write(map), StateFiles.PRIVATE);
        journalLines = 0;
    }
}
