package io.factnet.node.addressing;

import io.factnet.model.AddressingEntry;
import io.factnet.model.NodeRole;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.exec.Tools;
import io.factnet.net.InterfaceName;
import io.factnet.net.InvalidValueException;
import io.factnet.net.Ipv4Address;
import io.factnet.net.MacAddress;
import io.factnet.node.runtime.NodeEventSink;
import io.factnet.node.runtime.NotReadyException;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Collections;
import java.util.function.Supplier;
import io.factnet.model.DhcpHost;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The addressing node: one dnsmasq per network (never one global hosts file: dnsmasq reads hosts in
 * super-linear time), each in its own folder with its hosts file, started when missing or dead,
 * restarted when its options changed, sent SIGHUP when only its hosts changed. Lease callbacks
 * become LeaseGranted / LeaseReleased events.
 */
public final class AddressingReconciler implements RoleReconciler<AddressingEntry> {
    private static final Logger log = LoggerFactory.getLogger(AddressingReconciler.class);
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final Host host;
    private final Path base;
    private final String nodeId;
    private final boolean checkFolderAccess;
    private final Map<InterfaceName, Served> served = new LinkedHashMap<>();

    /**
     * Per bridge, the dnsmasq (pid) known to have loaded which hosts text (its digest): it read it at its
     * start, or got the SIGHUP after it was written. Writing the file and sending SIGHUP are two steps: a
     * SIGHUP that failed (a broken tool), or an agent that died in between, left a file newer than what
     * dnsmasq serves, and the next sync, finding the file unchanged, never sent it again (a released
     * address's MAC kept its static lease; the chaos campaign's check 4 found it). Kept in the network's
     * folder too ({@code hosts-loaded}), for the agent's next start.
     */
    private final Map<InterfaceName, Loaded> loaded = new HashMap<>();

    private record Served(String project, LeaseEvents events) {
    }

    private record Loaded(long pid, String digest) {
        static Loaded of(long pid, String hosts) {
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(hosts.getBytes(StandardCharsets.UTF_8));
                return new Loaded(pid, HexFormat.of().formatHex(hash));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        static Optional<Loaded> parse(String text) {
            String[] parts = text.strip().split(" ");
            return parts.length == 2 && parts[0].matches("[0-9]{1,10}") && parts[1].matches("[0-9a-f]{64}")
                    ? Optional.of(new Loaded(Long.parseLong(parts[0]), parts[1])) : Optional.empty();
        }
    }

    /**
     * @param checkFolderAccess on a real node dnsmasq drops to an unprivileged user and re-reads
     *                          its hosts file on SIGHUP: the start check makes sure it can reach it
     */
    public AddressingReconciler(Host host, Path folder, String nodeId, boolean checkFolderAccess) {
        this.host = host;
        this.base = StateFiles.sharedFolder(SafePaths.check(folder.toAbsolutePath()));
        this.nodeId = nodeId;
        this.checkFolderAccess = checkFolderAccess;
    }

    @Override
    public NodeRole role() {
        return NodeRole.ADDRESSING;
    }

    @Override
    public void preflight() {
        Tools.require(host, "dnsmasq");
        // dnsmasq-utils; it has no --version: its usage error (exit 1) shows that it is there
        Tools.require(host, "dhcp_release");
        if (checkFolderAccess) {
            for (Path p = base.toAbsolutePath(); p != null; p = p.getParent()) {
                try {
                    if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                        throw new IllegalStateException("dnsmasq runs unprivileged and must reach its hosts file under "
                                + base + ", but " + p + " is not traversable by others (chmod o+x " + p + ")");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /**
     * The validated model of the last sync or apply, kept to change host by host (ADR 0026); null before the
     * first sync and while an apply runs (an apply that throws leaves none: the next sync is a whole one).
     */
    private Kept kept;

    private static final class Kept {
        final TreeMap<String, AddressingEntry> entries = new TreeMap<>();
        /** Host entries by project, by resource. */
        final Map<String, TreeMap<String, AddressingEntry>> hosts = new HashMap<>();
        /** The networks served, by project, with their hosts. */
        final Map<String, DhcpModel.Network> networks = new HashMap<>();
        /** Rejections of network entries (the builder's first pass), then of hosts by resource (its second). */
        final List<SyncReport.Rejection> networkRejections = new ArrayList<>();
        final TreeMap<String, SyncReport.Rejection> hostRejections = new TreeMap<>();

        Kept(SortedMap<String, AddressingEntry> desired, DhcpModelBuilder.Built built) {
            entries.putAll(desired);
            desired.forEach((resource, entry) -> {
                if (entry.getEntry() instanceof DhcpHost) {
                    hosts.computeIfAbsent(entry.getProject(), p -> new TreeMap<>()).put(resource, entry);
                }
            });
            built.model().networks().forEach(n -> networks.put(n.project(), n));
            for (SyncReport.Rejection rejection : built.rejected()) {
                AddressingEntry entry = desired.get(rejection.entry());
                if (entry != null && entry.getEntry() instanceof DhcpHost) {
                    hostRejections.put(rejection.resource(), rejection);
                } else {
                    networkRejections.add(rejection);
                }
            }
        }

        List<SyncReport.Rejection> rejected() {
            List<SyncReport.Rejection> out = new ArrayList<>(networkRejections);
            out.addAll(hostRejections.values());
            return out;
        }

        Map<String, Long> counts() {
            Map<String, Long> counts = new HashMap<>();
            counts.put("networks", (long) networks.size());
            counts.put("hosts", networks.values().stream().mapToLong(n -> n.hosts().size()).sum());
            counts.put("rejected", (long) (networkRejections.size() + hostRejections.size()));
            return counts;
        }

        /** The model, networks by bridge as the builder orders them (for tests). */
        DhcpModel model() {
            List<DhcpModel.Network> list = new ArrayList<>(networks.values());
            list.sort(Comparator.comparing(DhcpModel.Network::bridge));
            return new DhcpModel(list);
        }
    }

    /** The kept model, as a whole build of the same entries gives it (tests compare them); empty before a sync. */
    Optional<DhcpModelBuilder.Built> kept() {
        return Optional.ofNullable(kept).map(k -> new DhcpModelBuilder.Built(k.model(), k.rejected()));
    }

    /**
     * Applies changed entries to the kept model. A change of hosts (nearly every change) rebuilds the hosts of
     * their networks alone and rewrites only those networks' hosts files (dnsmasq reloads them on SIGHUP); a
     * change of a network applies the whole state, as a sync does.
     */
    @Override
    public SyncReport apply(Map<String, AddressingEntry> changes, Supplier<SortedMap<String, AddressingEntry>> desired) {
        if (kept == null) {
            return sync(desired.get(), false);
        }
        Kept k = kept;
        kept = null;
        boolean hostsOnly = changes.entrySet().stream().allMatch(change -> {
            AddressingEntry before = k.entries.get(change.getKey());
            return (before == null || before.getEntry() instanceof DhcpHost)
                    && (change.getValue() == null || change.getValue().getEntry() instanceof DhcpHost);
        });
        if (!hostsOnly) {
            changes.forEach((resource, entry) -> {
                if (entry == null) {
                    k.entries.remove(resource);
                } else {
                    k.entries.put(resource, entry);
                }
            });
            return sync(Collections.unmodifiableSortedMap(k.entries), false);
        }
        long began = System.nanoTime();
        Set<String> projects = new TreeSet<>();
        changes.forEach((resource, entry) -> {
            AddressingEntry before = entry == null ? k.entries.remove(resource) : k.entries.put(resource, entry);
            k.hostRejections.remove(resource);
            if (before != null) {
                projects.add(before.getProject());
                TreeMap<String, AddressingEntry> ofProject = k.hosts.get(before.getProject());
                ofProject.remove(resource);
                if (ofProject.isEmpty()) {
                    k.hosts.remove(before.getProject());
                }
            }
            if (entry != null) {
                projects.add(entry.getProject());
                k.hosts.computeIfAbsent(entry.getProject(), p -> new TreeMap<>()).put(resource, entry);
            }
        });
        List<DhcpModel.Network> touched = new ArrayList<>();
        for (String project : projects) {
            // the project's hosts are checked anew, together: a host rejected because of another may pass now
            k.hosts.getOrDefault(project, new TreeMap<>()).keySet().forEach(k.hostRejections::remove);
            DhcpModelBuilder.Hosts built = DhcpModelBuilder.hostsOf(k.networks.get(project), project,
                    k.hosts.getOrDefault(project, new TreeMap<>()));
            built.rejected().forEach(r -> k.hostRejections.put(r.resource(), r));
            if (built.network() != null) {
                k.networks.put(project, built.network());
                touched.add(built.network());
            }
        }
        long rendered = System.nanoTime();
        boolean changed = false;
        List<SyncReport.Rejection> failed = new ArrayList<>();
        for (DhcpModel.Network network : touched) {
            try {
                changed |= ensure(network);
            } catch (RuntimeException e) {
                if (!(e instanceof NotReadyException)) {
                    log.error("DHCP of {} failed: {}", network.bridge(), e.getMessage(), e);
                }
                failed.addAll(entriesOf(k.entries, network.project(), e.getMessage()));
            }
        }
        kept = k;
        return new SyncReport(changed, k.counts(), k.rejected(), (rendered - began) / 1_000_000,
                (System.nanoTime() - rendered) / 1_000_000, failed);
    }

    @Override
    public SyncReport sync(SortedMap<String, AddressingEntry> desired, boolean verify) {
        long began = System.nanoTime();
        kept = null;
        DhcpModelBuilder.Built built = DhcpModelBuilder.build(desired);
        long rendered = System.nanoTime();
        boolean changed = false;
        Set<String> wanted = new HashSet<>();
        List<SyncReport.Rejection> failed = new ArrayList<>();
        for (DhcpModel.Network network : built.model().networks()) {
            wanted.add(network.bridge().name());
            try {
                changed |= ensure(network);
            } catch (RuntimeException e) {
                // The other networks' DHCP must not wait for this one (its bridge is not there yet, its dnsmasq
                // failed): its entries, and only they, are reported not applied and retried.
                if (!(e instanceof NotReadyException)) {
                    log.error("DHCP of {} failed: {}", network.bridge(), e.getMessage(), e);
                }
                failed.addAll(entriesOf(desired, network.project(), e.getMessage()));
            }
        }
        changed |= removeOthers(wanted);
        kept = new Kept(desired, built);
        Map<String, Long> counts = DhcpModelBuilder.counts(built.model(), built.rejected().size());
        return new SyncReport(changed, counts, built.rejected(), (rendered - began) / 1_000_000,
                (System.nanoTime() - rendered) / 1_000_000, failed);
    }

    /** The resources of a project's network on this node (its network and hosts): what its failure holds back. */
    private static List<SyncReport.Rejection> entriesOf(SortedMap<String, AddressingEntry> desired, String project,
                                                        String reason) {
        return desired.entrySet().stream().filter(e -> e.getValue().getProject().equals(project))
                .map(e -> new SyncReport.Rejection(e.getKey(), reason)).toList();
    }

    private boolean ensure(DhcpModel.Network network) {
        DnsmasqFiles files = new DnsmasqFiles(StateFiles.sharedFolder(base.resolve(network.bridge().name())));
        Served current = served.get(network.bridge());
        if (current == null || !current.project().equals(network.project())) {
            served.put(network.bridge(), new Served(network.project(), new LeaseEvents(files.events())));
        }
        StateFiles.writeIfChanged(files.hook(), files.hookScript(), StateFiles.EXECUTABLE);
        String hosts = DnsmasqFiles.hostsFile(network);
        Optional<String> before = StateFiles.read(files.hosts());
        Set<Lease> leaving = leaving(files, network, before.filter(hosts::equals).isPresent() ? Optional.empty() : before);
        if (!before.filter(hosts::equals).isPresent()) {
            StateFiles.write(files.hosts(), hosts, StateFiles.READABLE);
        }
        // the DNS names first: a dnsmasq (re)started or sent SIGHUP below reads both files
        String names = DnsmasqFiles.dnsHostsFile(network);
        StateFiles.writeIfChanged(files.dnsHosts(), names, StateFiles.READABLE);
        boolean changed = serve(files, network, hosts + "\0" + names);
        return release(files, network.bridge(), leaving) || changed;
    }

    /**
     * A lease dnsmasq may still hold for a host its hosts file no longer gives (the fixed IP was released, or its
     * MAC or address changed): freed at once with dhcp_release, as nova did, so the address's next holder is not
     * refused until the old lease expires. Typed: only a checked MAC and address reach the command.
     */
    record Lease(MacAddress mac, Ipv4Address address) implements Comparable<Lease> {
        static Optional<Lease> parse(String mac, String address) {
            try {
                return Optional.of(new Lease(MacAddress.parse(mac), Ipv4Address.parse(address)));
            } catch (InvalidValueException e) {
                return Optional.empty();
            }
        }

        @Override
        public int compareTo(Lease other) {
            int byAddress = address.compareTo(other.address);
            return byAddress != 0 ? byAddress : Long.compare(mac.bits(), other.mac.bits());
        }

        @Override
        public String toString() {
            return mac + "," + address;
        }
    }

    /**
     * The leases to free: the hosts of the file dnsmasq had ({@code before}, empty when it is unchanged) that the new
     * hosts do not give, and those whose release has not succeeded yet (the pending file, written before the hosts
     * file changes, so that neither a failed dhcp_release nor an agent that dies in between loses one). A host given
     * again keeps its lease.
     */
    private static Set<Lease> leaving(DnsmasqFiles files, DhcpModel.Network network, Optional<String> before) {
        Set<Lease> leaving = new TreeSet<>();
        StateFiles.read(files.releases()).ifPresent(text -> text.lines().map(line -> line.split(",", -1))
                .filter(f -> f.length == 2).forEach(f -> Lease.parse(f[0], f[1]).ifPresent(leaving::add)));
        int pending = leaving.size();
        before.ifPresent(text -> text.lines().map(line -> line.split(",", -1))
                .filter(f -> f.length == 3).forEach(f -> Lease.parse(f[0], f[2]).ifPresent(leaving::add)));
        if (leaving.isEmpty()) {
            return leaving;
        }
        for (DhcpModel.Host host : network.hosts()) {
            leaving.remove(new Lease(host.mac(), host.address()));
        }
        if (leaving.isEmpty() && pending > 0) {
            StateFiles.delete(files.releases());
        } else if (!leaving.isEmpty()) {
            StateFiles.write(files.releases(), leaving.stream().map(l -> l + "\n").collect(Collectors.joining()),
                    StateFiles.READABLE);
        }
        return leaving;
    }

    /**
     * Frees each lease with {@code dhcp_release <bridge> <address> <mac>} (a DHCPRELEASE on the bridge, as if from
     * the client; dnsmasq drops the lease, rewrites its lease file and calls the hook with "del"). Sent after the
     * hosts file is loaded, so a client asking again is refused rather than given the address back. The ones that
     * failed stay pending and fail the network's sync: it is retried.
     */
    private boolean release(DnsmasqFiles files, InterfaceName bridge, Set<Lease> leaving) {
        if (leaving.isEmpty()) {
            return false;
        }
        List<String> failed = new ArrayList<>();
        Set<Lease> left = new TreeSet<>();
        for (Lease lease : leaving) {
            CommandResult result = host.tryRun("dhcp_release", bridge.name(), lease.address().toString(), lease.mac().toString());
            if (result.ok()) {
                log.debug("released the DHCP lease of {} ({}) on {}", lease.address(), lease.mac(), bridge);
            } else {
                left.add(lease);
                failed.add(lease.address() + ": " + result.stderr().strip());
            }
        }
        if (left.isEmpty()) {
            StateFiles.delete(files.releases());
            return true;
        }
        StateFiles.write(files.releases(), left.stream().map(l -> l + "\n").collect(Collectors.joining()), StateFiles.READABLE);
        throw new IllegalStateException("dhcp_release on " + bridge + " failed for " + String.join("; ", failed));
    }

    /**
     * Runs the network's dnsmasq on these hosts ({@code hosts}: the text of its DHCP hosts file and of its DNS names,
     * what it must have loaded): SIGHUP when only they changed (dnsmasq re-reads both files, no restart), a (re)start
     * when it is not ours or its options changed.
     */
    private boolean serve(DnsmasqFiles files, DhcpModel.Network network, String hosts) {
        List<String> argv = files.argv(network);
        Optional<Long> pid = ours(files);
        if (pid.isPresent() && host.processes().commandLine(pid.get()).orElseThrow().equals(argv)) {
            Loaded wanted = Loaded.of(pid.get(), hosts);
            if (!wanted.equals(loadedBy(files, network.bridge()))) {
                loaded.remove(network.bridge());
                host.run("kill", "-HUP", pid.get().toString());
                markLoaded(files, network.bridge(), wanted);
                return true;
            }
            return false;
        }
        loaded.remove(network.bridge());
        if (pid.isPresent()) {
            log.info("dnsmasq of {} runs with other options; restarting it", network.bridge());
            stop(pid.get());
        } else if (Files.exists(files.pidFile())) {
            log.warn("dnsmasq of {} is not running (died?); starting it", network.bridge());
        }
        // dnsmasq binds to the bridge, which this node's bridging agent makes, maybe a moment later
        if (!host.tryRun("ip", "link", "show", "dev", network.bridge().name()).ok()) {
            throw new NotReadyException("bridge " + network.bridge() + " is not there yet (the bridging agent makes it)");
        }
        // its DNS binds to its address alone (--bind-interfaces: the gateway, or this node's own, ADR 0046): it cannot start
        // before the address is there
        String server = network.server() + "/";
        CommandResult shown = host.tryRun("ip", "address", "show", "dev", network.bridge().name());
        if (!shown.ok() || Stream.of(shown.stdout().split("\\s+")).noneMatch(token -> token.startsWith(server))) {
            throw new NotReadyException("bridge " + network.bridge() + " does not have " + (network.server().equals(network.gateway())
                    ? "the gateway address " : "the DHCP server's address ") + network.server() + " yet (the bridging agent adds it)");
        }
        host.run(argv.toArray(String[]::new));
        Optional<Long> started = ours(files);
        if (started.isEmpty()) {
            throw new IllegalStateException("dnsmasq of " + network.bridge() + " started but is not running");
        }
        markLoaded(files, network.bridge(), Loaded.of(started.get(), hosts));
        return true;
    }

    /** What this network's dnsmasq is known to have loaded: remembered, or after a start, from its folder. */
    private Loaded loadedBy(DnsmasqFiles files, InterfaceName bridge) {
        return loaded.computeIfAbsent(bridge, b -> StateFiles.read(files.loaded()).flatMap(Loaded::parse).orElse(null));
    }

    private void markLoaded(DnsmasqFiles files, InterfaceName bridge, Loaded what) {
        StateFiles.write(files.loaded(), what.pid() + " " + what.digest() + "\n", StateFiles.READABLE);
        loaded.put(bridge, what);
    }

    /** The pid of our dnsmasq for this folder, if one runs: its command line names our pid file. */
    private Optional<Long> ours(DnsmasqFiles files) {
        Optional<Long> pid = StateFiles.read(files.pidFile()).map(String::strip).filter(s -> s.matches("[0-9]{1,10}"))
                .map(Long::parseLong);
        return pid.filter(p -> host.processes().commandLine(p)
                .filter(argv -> argv.contains("--pid-file=" + files.pidFile())).isPresent());
    }

    private void stop(long pid) {
        host.run("kill", "-TERM", Long.toString(pid));
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MILLIS;
        while (host.processes().commandLine(pid).isPresent()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("dnsmasq " + pid + " did not stop within " + STOP_TIMEOUT_MILLIS + " ms");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted stopping dnsmasq " + pid, e);
            }
        }
    }

    /** Stops the dnsmasq of every folder that is no longer a wanted network, and removes the folder. */
    private boolean removeOthers(Set<String> wanted) {
        boolean changed = false;
        List<Path> folders;
        try (Stream<Path> list = Files.list(base)) {
            folders = list.filter(Files::isDirectory).filter(p -> !wanted.contains(p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + base, e);
        }
        for (Path folder : folders) {
            DnsmasqFiles files = new DnsmasqFiles(folder);
            Optional<Long> pid = ours(files);
            if (pid.isPresent()) {
                stop(pid.get());
            }
            deleteTree(folder);
            served.keySet().removeIf(b -> b.name().equals(folder.getFileName().toString()));
            loaded.keySet().removeIf(b -> b.name().equals(folder.getFileName().toString()));
            log.info("removed the DHCP network of {}", folder.getFileName());
            changed = true;
        }
        return changed;
    }

    @Override
    public void pollEvents(NodeEventSink sink) {
        served.values().forEach(s -> s.events().poll(s.project(), nodeId).forEach(sink::publish));
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.sorted(Comparator.reverseOrder()).forEach(StateFiles::delete);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + folder, e);
        }
    }
}
