package io.factnet.node.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.InterfaceName;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes the node answer ARP for its floating addresses on the public interface with local routes
 * ({@code local A/P dev pub table local proto 211}), added and removed in one {@code ip -batch}. nova
 * added each floating address to the interface instead, but the kernel keeps interface addresses in a
 * list: 100k of them took 7 minutes to add, the same 100k local routes 0.8 s (docs/adr/0010). The
 * routes are the fewest CIDR blocks that cover the floating addresses exactly ({@link AddressRuns},
 * ADR 0047): pools hand out their lowest free addresses, so 100k addresses are a few blocks, not 100k
 * routes. The route protocol marks them ours, so a route or address someone else made is never
 * touched. A state file keeps the fixed address each one pointed to, so after a restart the agent
 * still knows which associations ended or moved (their connections must go).
 */
final class FloatingAddresses {
    static final String ROUTE_PROTOCOL = "211";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Host host;
    private final InterfaceName device;
    private final Path mappings;
    private final Path batch;
    private Map<Ipv4Address, Ipv4Address> applied;
    /** The floating addresses of {@link #applied} as runs: what the local routes cover. */
    private AddressRuns appliedRuns;
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
            appliedRuns = AddressRuns.of(applied.keySet());
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
        AddressRuns wantRuns = AddressRuns.of(want.keySet());
        // Without verify the last apply is trusted (reading the routes back costs time at scale).
        Set<Ipv4Cidr> present = verify ? present() : appliedRuns.blocks();
        boolean changed = runBatch(present, wantRuns.blocks());
        writeMappings(want);
        applied = want;
        appliedRuns = wantRuns;
        return new Change(changed, ended);
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
        StringBuilder journal = new StringBuilder();
        Set<Ipv4Cidr> before = new LinkedHashSet<>();
        touched.keySet().forEach(floating -> before.addAll(appliedRuns.blocksAround(floating.value())));
        touched.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(change -> {
            Ipv4Address floating = change.getKey();
            Ipv4Address fixed = change.getValue();
            Ipv4Address previous = applied.get(floating);
            if (previous != null && !previous.equals(fixed)) {
                ended.add(floating);
            }
            if (!Objects.equals(previous, fixed)) {
                journal.append(FloatingAddressJournal.change(floating, fixed));
                journalLines++;
            }
            if (fixed == null) {
                applied.remove(floating);
                appliedRuns.remove(floating.value());
            } else {
                applied.put(floating, fixed);
                appliedRuns.add(floating.value());
            }
        });
        Set<Ipv4Cidr> after = new LinkedHashSet<>();
        touched.keySet().forEach(floating -> after.addAll(appliedRuns.blocksAround(floating.value())));
        boolean changed;
        try {
            changed = runBatch(before, after);
        } catch (RuntimeException e) {
            // The kept maps are ahead of the kernel now: the next sync reads them again from the state file,
            // which has not been appended to, as before this change.
            applied = null;
            appliedRuns = null;
            throw e;
        }
        if (journalLines > Math.max(MIN_JOURNAL_LINES, applied.size())) {
            writeMappings(applied); // the journal never grows past twice what it describes
        } else if (journal.length() > 0) {
            appendMappings(journal.toString());
        }
        return new Change(changed, ended);
    }

    /**
     * Adds the blocks of {@code want} not in {@code present}, then removes those of {@code present} not in
     * {@code want}, in one {@code ip -batch}: adding first keeps an address answered while its block is split or
     * merged. False when there was nothing to do.
     */
    private boolean runBatch(Set<Ipv4Cidr> present, Set<Ipv4Cidr> want) {
        StringBuilder commands = new StringBuilder();
        want.stream().filter(b -> !present.contains(b)).forEach(b -> commands.append(route("add", b)));
        present.stream().filter(b -> !want.contains(b)).forEach(b -> commands.append(route("del", b)));
        if (commands.length() == 0) {
            return false;
        }
        StateFiles.write(batch, commands.toString(), StateFiles.PRIVATE);
        host.run("ip", "-batch", batch.toString());
        return true;
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

    private String route(String verb, Ipv4Cidr block) {
        return "route " + verb + " local " + block + " dev " + device + " table local proto " + ROUTE_PROTOCOL + "\n";
    }

    /** Our local routes on the public interface, as the kernel has them. */
    private Set<Ipv4Cidr> present() {
        String json = host.run("ip", "-j", "route", "show", "table", "local", "proto", ROUTE_PROTOCOL).stdout();
        Set<Ipv4Cidr> blocks = new HashSet<>();
        try {
            for (JsonNode route : JSON.readTree(json.isBlank() ? "[]" : json)) {
                String dst = route.path("dst").asText();
                if ("local".equals(route.path("type").asText()) && device.name().equals(route.path("dev").asText())) {
                    blocks.add(Ipv4Cidr.parseNetworkOrAddress(dst)); // ip prints a /32 without its prefix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ip's JSON output: " + e.getMessage(), e);
        }
        return blocks;
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
