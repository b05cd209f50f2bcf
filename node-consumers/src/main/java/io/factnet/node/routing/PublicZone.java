package io.factnet.node.routing;

import io.factnet.model.FloatingNat;
import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.StateFiles;
import io.factnet.net.DomainName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public DNS names of this routing node's floating addresses, as a BIND zone file (RFC 1035 master file) that a
 * DNS server the operator runs loads (ADR 0032): {@code <instance>.<project>.<zone>} has an A record of the floating
 * address associated with the instance. Written whole, atomically, when a name or address changed, with the SOA serial
 * raised; the server re-reads it on its own reload ({@code rndc reload}, {@code nsd-control reload}, or a timer).
 *
 * <p>Every name is checked: the instance and the project must each be one DNS label (compared in lower case; an
 * instance named {@code web_1} or {@code a.b} has no public name), and a name is given once: when two floating
 * addresses would give the same name (instances {@code Web} and {@code web}), the first by floating address has it.
 * Names left out are logged once; the NAT of their floating address is applied all the same.
 */
public final class PublicZone {
    private static final Logger log = LoggerFactory.getLogger(PublicZone.class);
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern SOA_SERIAL = Pattern.compile("(?m)^@ IN SOA \\S+ \\S+ ([0-9]{1,10}) ");
    private static final long MAX_SERIAL = 0xFFFFFFFFL;

    /**
     * The operator's zone.
     *
     * @param zone       the public domain the names are in, e.g. {@code cloud.example}
     * @param nameServer the zone's name server (its NS record and the SOA's primary)
     * @param hostmaster the SOA's mailbox, as a domain name ({@code hostmaster.cloud.example})
     * @param ttl        seconds the records may be cached (60..86400): how long a moved floating address may be
     *                   answered with its old name elsewhere
     * @param file       where the zone file goes; empty: {@code public-dns/<zone>.zone} beside the role folders
     */
    public record Settings(DomainName zone, DomainName nameServer, DomainName hostmaster, int ttl, Optional<Path> file) {
        public Settings {
            if (ttl < 60 || ttl > 86_400) {
                throw new IllegalArgumentException("public DNS TTL " + ttl + " is not 60..86400 seconds");
            }
        }

        /** The same zone written to its default place (what {@code factnet replay} renders under its own folder). */
        public Settings inDefaultPlace() {
            return new Settings(zone, nameServer, hostmaster, ttl, Optional.empty());
        }

        /** A zone with its name server {@code ns.<zone>}, mailbox {@code hostmaster.<zone>}, TTL 300 s, the file in its default place. */
        public static Settings of(String zone) {
            return new Settings(new DomainName(zone), new DomainName("ns." + zone), new DomainName("hostmaster." + zone), 300,
                    Optional.empty());
        }
    }

    private final Settings settings;
    private final Path file;
    private final Clock clock;
    /** The floating NAT entries, by resource: what the names are made of. */
    private final TreeMap<String, RoutingEntry> floating = new TreeMap<>();
    private final Set<String> reported = new HashSet<>();
    private List<String> skipped = List.of();

    public PublicZone(Settings settings, Path roleFolder, Clock clock) {
        this.settings = settings;
        this.file = settings.file().map(PublicZone::withFolder).orElseGet(() -> StateFiles.sharedFolder(
                roleFolder.toAbsolutePath().getParent().resolve("public-dns")).resolve(settings.zone() + ".zone"));
        this.clock = clock;
    }

    /** The operator's file: its folder is made if missing (modes left as they are: the operator's DNS server reads it). */
    private static Path withFolder(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            java.nio.file.Files.createDirectories(absolute.getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot make the folder of the public zone file " + absolute, e);
        }
        return absolute;
    }

    public Path file() {
        return file;
    }

    /** The floating addresses that have no public name (resource: why), from the last write. */
    public List<String> skipped() {
        return skipped;
    }

    /** Makes the names from the whole desired state; true when the file changed. */
    public boolean sync(SortedMap<String, RoutingEntry> desired) {
        floating.clear();
        desired.forEach((resource, entry) -> {
            if (entry.getEntry() instanceof FloatingNat) {
                floating.put(resource, entry);
            }
        });
        return write();
    }

    /** Applies changed entries (null: deleted); true when the file changed. */
    public boolean apply(Map<String, RoutingEntry> changes) {
        boolean touched = false;
        for (Map.Entry<String, RoutingEntry> change : changes.entrySet()) {
            RoutingEntry entry = change.getValue();
            if (entry != null && entry.getEntry() instanceof FloatingNat) {
                floating.put(change.getKey(), entry);
                touched = true;
            } else {
                touched |= floating.remove(change.getKey()) != null;
            }
        }
        return touched && write();
    }

    /** The names, checked, by name: relative to the zone ({@code <instance>.<project>}). */
    SortedMap<String, Ipv4Address> names() {
        SortedMap<String, Ipv4Address> names = new TreeMap<>();
        List<String> left = new ArrayList<>();
        floating.forEach((resource, entry) -> {
            FloatingNat nat = (FloatingNat) entry.getEntry();
            String instance = nat.getInstance() == null ? "" : nat.getInstance().toLowerCase(Locale.ROOT);
            String project = entry.getProject().toLowerCase(Locale.ROOT);
            String why = null;
            Ipv4Address address = null;
            try {
                address = Ipv4Address.parse(nat.getFloatingAddress());
            } catch (InvalidValueException e) {
                why = e.getMessage();
            }
            String name = instance + "." + project;
            if (why != null) {
                // the address is refused by the NAT too
            } else if (nat.getInstance() == null) {
                why = "the entry names no instance (written before the field)";
            } else if (!LABEL.matcher(instance).matches() || !LABEL.matcher(project).matches()) {
                why = "instance " + nat.getInstance() + " of project " + entry.getProject() + " is not a DNS name (one label each)";
            } else if ((name + "." + settings.zone()).length() > 253) {
                why = "name " + name + "." + settings.zone() + " is longer than 253 characters";
            } else if (names.containsKey(name)) {
                why = "name " + name + " is " + names.get(name) + "'s already";
            }
            if (why == null) {
                names.put(name, address);
            } else {
                left.add(resource + ": " + why);
            }
        });
        for (String reason : left) {
            if (reported.add(reason)) {
                log.warn("no public DNS name for {}", reason);
            }
        }
        reported.retainAll(left);
        skipped = List.copyOf(left);
        return names;
    }

    private boolean write() {
        SortedMap<String, Ipv4Address> names = names();
        Optional<String> before = StateFiles.read(file);
        Optional<Long> serial = before.map(SOA_SERIAL::matcher).filter(Matcher::find).map(m -> Long.parseLong(m.group(1)))
                .filter(s -> s <= MAX_SERIAL);
        if (serial.isPresent() && before.get().equals(render(settings, serial.get(), names))) {
            return false;
        }
        // the serial only grows (a secondary takes the zone when it does): the time in seconds, or one more
        long now = clock.instant().getEpochSecond();
        long next = serial.map(s -> Math.max(s + 1, now)).orElse(now) & MAX_SERIAL;
        StateFiles.write(file, render(settings, next, names), StateFiles.READABLE);
        return true;
    }

    /** The zone file: every value in it is a checked domain name, label, number or address. */
    static String render(Settings settings, long serial, SortedMap<String, Ipv4Address> names) {
        StringBuilder out = new StringBuilder(200 + names.size() * 48);
        out.append("; factnet routing node: public names of floating addresses (ADR 0032). Written whole; do not edit.\n")
                .append("$ORIGIN ").append(settings.zone()).append(".\n")
                .append("$TTL ").append(settings.ttl()).append('\n')
                .append("@ IN SOA ").append(settings.nameServer()).append(". ").append(settings.hostmaster()).append(". ")
                .append(serial).append(" 3600 600 1209600 ").append(settings.ttl()).append('\n')
                .append("@ IN NS ").append(settings.nameServer()).append(".\n");
        names.forEach((name, address) -> out.append(name).append(" IN A ").append(address).append('\n'));
        return out.toString();
    }
}
