package io.factnet.node.bridging;

import io.factnet.model.BridgingEntry;
import io.factnet.model.NodeRole;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.IpLinks;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.exec.Tools;
import io.factnet.net.Ipv4Cidr;
import io.factnet.node.runtime.NodeEventSink;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import io.factnet.net.InterfaceName;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The bridging node: per network a bridge br&lt;vlan&gt; (with the gateway address on the network host), joined to the
 * network's other nodes by a VLAN link on the physical interface, a VXLAN device to the peers, or the physical
 * interface itself; and the guard of the instance ports on it (ADR 0035: {@link PortSecurity}). Bridges and their
 * links are ours when their alias says so; the link changes of one sync go to the kernel as one {@code ip -batch}.
 */
public final class BridgingReconciler implements RoleReconciler<BridgingEntry> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BridgingReconciler.class);
    static final String OWNER = "factnet-bridging";

    private final Host host;
    private final BridgingConfig config;
    private final Path batch;
    private final Path fdbBatch;
    private final String nodeId;
    /** The instance ports of the last sync, watched for instances that crash or go (ADR 0031); null: not watching. */
    private final PortWatcher watcher;
    private final PortFirewall firewall;
    private final LongSupplier millis;
    private long nextStrangerCheck = Long.MIN_VALUE;
    private PortSecurity lastSecurity;
    private BridgeModel lastApplied;
    private List<Rejection> lastRejected = List.of();

    /** A reconciler that does not watch instance ports (a render, a replay). */
    public BridgingReconciler(Host host, Path folder, BridgingConfig config) {
        this(host, folder, config, null, null);
    }

    /**
     * @param nodeId the node whose instance ports are watched; null: they are not watched (the render driver's
     *               simulated kernel has no instances)
     * @param millis the clock of the port grace period
     */
    public BridgingReconciler(Host host, Path folder, BridgingConfig config, String nodeId, LongSupplier millis) {
        this.host = host;
        this.config = config;
        this.batch = StateFiles.privateFolder(folder).resolve("links.batch");
        this.fdbBatch = StateFiles.privateFolder(folder).resolve("fdb.batch");
        this.nodeId = nodeId;
        this.watcher = nodeId == null ? null : new PortWatcher(host, config.portGrace(), millis);
        this.millis = millis;
        this.firewall = new PortFirewall(host, StateFiles.privateFolder(folder), config.sameGroupTraffic());
    }

    @Override
    public NodeRole role() {
        return NodeRole.BRIDGING;
    }

    @Override
    public void preflight() {
        Tools.require(host, "ip", "-V");
        Tools.require(host, "sysctl", "--version");
        Tools.require(host, "bridge", "-V");
        Tools.require(host, "nft", "--version");
        if (config.needsVlan() && !host.features().vlan()) {
            throw new IllegalStateException("this kernel has no 802.1Q VLAN support (module 8021q): load it "
                    + "(modprobe 8021q) or run the bridging agent with --vlan-mode untagged or --l2 PHYSNET=vxlan|untagged");
        }
    }

    @Override
    public SyncReport sync(SortedMap<String, BridgingEntry> desired, boolean verify) {
        long began = System.nanoTime();
        BridgeModel.Built built = BridgeModel.build(desired, config);
        long rendered = System.nanoTime();
        boolean changed = false;
        List<Rejection> rejected = new ArrayList<>(built.rejected());
        List<Rejection> failed = new ArrayList<>();
        if (verify || !built.model().equals(lastApplied)) {
            Plan plan = plan(built.model(), IpLinks.read(host), rejected);
            if (!plan.isEmpty()) {
                StateFiles.write(batch, plan.text(), StateFiles.PRIVATE);
                if (!host.tryRun("ip", "-batch", batch.toString()).ok()) {
                    // One bridge's failure (its uplink is missing, ...) must not hold back the others: bridge by bridge.
                    failed.addAll(applyOneByOne(built.model()));
                }
                changed = true;
            }
            Set<String> skip = new HashSet<>();
            rejected.subList(built.rejected().size(), rejected.size()).forEach(r -> skip.add(r.resource()));
            failed.forEach(r -> skip.add(r.resource()));
            List<BridgeModel.Bridge> applied = built.model().bridges().stream().filter(b -> !skip.contains(b.resource())).toList();
            // Proxy ARP on a bridge without the gateway would answer for every address routed elsewhere: on a gateway's
            // bridge only, and off again on one whose gateway moved to another node (ADR 0046).
            changed |= proxyArp(applied);
            VxlanPeers.PeerChange peers = VxlanPeers.sync(host, fdbBatch, applied);
            changed |= peers.changed();
            failed.addAll(peers.failed());
            // After a failure the next sync (a full retry) plans again from the kernel.
            lastApplied = failed.isEmpty() ? built.model() : null;
            lastRejected = List.copyOf(rejected.subList(built.rejected().size(), rejected.size()));
        } else {
            rejected.addAll(lastRejected);
        }
        BridgeModel.Ports ports = built.model().ports(desired);
        rejected.addAll(ports.rejected());
        long bridgesFailed = failed.size();
        PortSecurity.Built security = PortSecurity.build(desired, built.model());
        rejected.addAll(security.rejected());
        if (verify || !security.model().equals(lastSecurity)) {
            try {
                changed |= firewall.sync(security.model(), verify);
                lastSecurity = security.model();
            } catch (RuntimeException e) {
                // Fails closed as a whole: what the kernel holds stays (the tables are replaced in one transaction), and
                // each guarded port is reported not applied until a sync gets through.
                lastSecurity = null;
                String reason = "nft -f failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                security.model().ports().forEach(p -> failed.add(new Rejection(p.resource(), reason)));
            }
        }
        if (watcher != null) {
            Set<String> broken = new HashSet<>();
            lastRejected.forEach(r -> broken.add(r.resource()));
            failed.forEach(r -> broken.add(r.resource()));
            Set<String> brokenBridges = new HashSet<>();
            built.model().bridges().stream().filter(b -> broken.contains(b.resource())).forEach(b -> brokenBridges.add(b.name().name()));
            watcher.watch(ports.watched().stream().filter(p -> !brokenBridges.contains(p.bridge())).toList());
        }
        return new SyncReport(changed, Map.of("bridges", (long) built.model().bridges().size() - lastRejected.size() - bridgesFailed,
                "guardedPorts", (long) security.model().ports().size(), "rejected", (long) rejected.size()), rejected, (rendered - began) / 1_000_000,
                (System.nanoTime() - rendered) / 1_000_000, failed);
    }

    /** The instances ("project/instance") whose port the watcher knows (their MAC was seen on it); empty when not watching. */
    public Set<String> instancePortsKnown() {
        return watcher == null ? Set.of() : watcher.known();
    }

    /** Instances whose port has been gone from its bridge for the grace period, and those back after that (ADR 0031). */
    @Override
    public void pollEvents(NodeEventSink sink) {
        if (watcher != null) {
            watcher.poll(nodeId).forEach(sink::publish);
            long now = millis.getAsLong();
            if (now >= nextStrangerCheck) {
                nextStrangerCheck = now + STRANGER_CHECK_MILLIS;
                try {
                    firewall.recheckStrangers();
                } catch (RuntimeException e) {
                    log.warn("cannot check the bridges for ports of no instance: {}", e.getMessage());
                }
            }
        }
    }

    /**
     * How often the guarded bridges are checked for a port that no instance has, between syncs. A port put on a bridge
     * passes until then (at most this long): this kernel has no {@code meta ibrname} (nft_meta_bridge) to match "any
     * port of this bridge" in the rules themselves (ADR 0035).
     */
    private static final long STRANGER_CHECK_MILLIS = 500;

    /**
     * After a failed batch (ip stops at the failing line: what came before it is applied), each bridge's lines
     * as a batch of their own, planned again from the kernel; then the removals, whose failure fails the sync.
     * Returns the bridges that failed, with the tool's error.
     */
    private List<Rejection> applyOneByOne(BridgeModel model) {
        Plan plan = plan(model, IpLinks.read(host), new ArrayList<>());
        List<Rejection> failed = new ArrayList<>();
        plan.byBridge().forEach((resource, lines) -> {
            StateFiles.write(batch, lines, StateFiles.PRIVATE);
            CommandResult result = host.tryRun("ip", "-batch", batch.toString());
            if (!result.ok()) {
                failed.add(new Rejection(resource, "ip -batch failed: " + result.stderr().lines().findFirst().orElse("exit "
                        + result.exitCode())));
            }
        });
        if (!plan.removals().isEmpty()) {
            StateFiles.write(batch, plan.removals(), StateFiles.PRIVATE);
            host.run("ip", "-batch", batch.toString());
        }
        return failed;
    }

    /**
     * Turns proxy ARP on where it is off on our bridges that hold the gateway, and off where it is on on the others
     * (a bridge whose network's routing role moved away keeps serving as the addressing or a compute host's bridge). The gateway then answers for the block's
     * addresses that this node routes through another interface: the project's VPN clients, whose
     * subnet is the block's last group subnet behind the WireGuard interface. Instances see the whole
     * block on-link (their mask is the block's), so without it they would ask for a VPN client's MAC
     * on the bridge and get no answer; pppd's proxyarp does the same for dial-in clients. Addresses
     * routed out of the bridge itself are never answered. The keys use '/' so that a dot in a name is
     * part of the name.
     */
    private boolean proxyArp(List<BridgeModel.Bridge> bridges) {
        if (bridges.isEmpty()) {
            return false;
        }
        List<String> keys = bridges.stream().map(b -> "net/ipv4/conf/" + b.name().name() + "/proxy_arp").toList();
        List<String> argv = new ArrayList<>(List.of("sysctl", "-n"));
        argv.addAll(keys);
        List<String> values = host.run(argv.toArray(String[]::new)).stdout().lines().map(String::strip).toList();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String wanted = bridges.get(i).gatewayHere() ? "1" : "0";
            if (i >= values.size() || !values.get(i).equals(wanted)) {
                wrong.add(keys.get(i) + "=" + wanted);
            }
        }
        if (wrong.isEmpty()) {
            return false;
        }
        List<String> set = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        set.addAll(wrong);
        host.run(set.toArray(String[]::new));
        return true;
    }

    /**
     * The ip batch lines that take the kernel to the model: each bridge's own (by its resource, only those with
     * something to do), then the removals of ours no longer wanted.
     */
    record Plan(Map<String, String> byBridge, String removals) {
        boolean isEmpty() {
            return byBridge.isEmpty() && removals.isEmpty();
        }

        String text() {
            return String.join("", byBridge.values()) + removals;
        }
    }

    /**
     * The ip batch lines that take the kernel from {@code links} to the model; empty when it is there
     * already. A bridge or VLAN link of the same name that is not ours is left alone and its entry rejected.
     */
    static Plan plan(BridgeModel model, Map<String, IpLinks.Link> links, List<Rejection> rejected) {
        Map<String, String> byBridge = new LinkedHashMap<>();
        Set<String> wanted = new HashSet<>();
        for (BridgeModel.Bridge bridge : model.bridges()) {
            StringBuilder out = new StringBuilder();
            String name = bridge.name().name();
            String vlanName = bridge.vlanLink().or(() -> bridge.vxlan().map(BridgeModel.Vxlan::name)).map(InterfaceName::name).orElse(null);
            IpLinks.Link foreign = Stream.of(links.get(name), vlanName == null ? null : links.get(vlanName))
                    .filter(l -> l != null && !l.ownedBy(OWNER)).findFirst().orElse(null);
            if (foreign != null) {
                rejected.add(new Rejection(bridge.resource(), "interface " + foreign.name()
                        + " exists and is not factnet's (no alias " + OWNER + "); it is left alone"));
                wanted.add(name);
                continue;
            }
            wanted.add(name);
            IpLinks.Link link = links.get(name);
            if (link != null && !link.kind().equals("bridge")) {
                out.append("link del ").append(name).append('\n');
                link = null;
            }
            if (link == null) {
                out.append("link add ").append(name).append(" type bridge\n");
                out.append("link set ").append(name).append(" alias ").append(OWNER).append('\n');
            }
            Set<Ipv4Cidr> present = link == null ? Set.of() : new HashSet<>(link.addresses());
            // A compute host's bridge carries no address (ADR 0035): the gateway is the routing node's alone, the DHCP
            // server's address the addressing node's (ADR 0046).
            Set<Ipv4Cidr> addresses = bridge.addresses();
            addresses.stream().filter(a -> !present.contains(a)).sorted(java.util.Comparator.comparing(Ipv4Cidr::toString))
                    .forEach(a -> out.append("address add ").append(a).append(" dev ").append(name).append('\n'));
            present.stream().filter(a -> !addresses.contains(a))
                    .forEach(a -> out.append("address del ").append(a).append(" dev ").append(name).append('\n'));
            if (link == null || !link.up()) {
                out.append("link set ").append(name).append(" up\n");
            }
            if (bridge.vlanLink().isPresent()) {
                String vlan = bridge.vlanLink().get().name();
                String parent = bridge.uplink().orElseThrow().name();
                wanted.add(vlan);
                IpLinks.Link vlanLink = links.get(vlan);
                if (vlanLink != null && !(vlanLink.kind().equals("vlan") && Objects.equals(vlanLink.vlanId(), bridge.vlan())
                        && parent.equals(vlanLink.parent()))) {
                    out.append("link del ").append(vlan).append('\n');
                    vlanLink = null;
                }
                if (vlanLink == null) {
                    out.append("link add link ").append(parent).append(" name ").append(vlan).append(" type vlan id ")
                            .append(bridge.vlan()).append('\n');
                    out.append("link set ").append(vlan).append(" alias ").append(OWNER).append('\n');
                }
                if (vlanLink == null || !name.equals(vlanLink.master()) || !vlanLink.up()) {
                    out.append("link set ").append(vlan).append(" master ").append(name).append(" up\n");
                }
            } else if (bridge.vxlan().isPresent()) {
                vxlan(out, bridge, bridge.vxlan().get(), links, wanted);
            } else if (bridge.uplink().isPresent()) {
                IpLinks.Link uplink = links.get(bridge.uplink().get().name());
                if (uplink == null || !name.equals(uplink.master())) {
                    out.append("link set ").append(bridge.uplink().get()).append(" master ").append(name).append('\n');
                }
            }
            if (!out.isEmpty()) {
                byBridge.put(bridge.resource(), out.toString());
            }
        }
        StringBuilder out = new StringBuilder();
        // Ours and no longer wanted: VLAN and VXLAN links first, then bridges (their ports are released with them).
        links.values().stream().filter(l -> l.ownedBy(OWNER) && !wanted.contains(l.name()) && LINKS.contains(l.kind()))
                .forEach(l -> out.append("link del ").append(l.name()).append('\n'));
        links.values().stream().filter(l -> l.ownedBy(OWNER) && !wanted.contains(l.name()) && !LINKS.contains(l.kind()))
                .forEach(l -> out.append("link del ").append(l.name()).append('\n'));
        return new Plan(byBridge, out.toString());
    }

    /** The kinds of the links that join a bridge to the other nodes: removed before bridges. */
    private static final Set<String> LINKS = Set.of("vlan", "vxlan");

    /**
     * The bridge's VXLAN device: remade when its VNI, source address or underlay device differ (the kernel cannot
     * change them in place); learning off, the peers are the fdb's all-zeros entries ({@link VxlanPeers}).
     */
    private static void vxlan(StringBuilder out, BridgeModel.Bridge bridge, BridgeModel.Vxlan vxlan, Map<String, IpLinks.Link> links,
                              Set<String> wanted) {
        String name = vxlan.name().name();
        String parent = bridge.uplink().map(InterfaceName::name).orElse(null);
        wanted.add(name);
        IpLinks.Link link = links.get(name);
        if (link != null && !(link.kind().equals("vxlan") && Objects.equals(link.vlanId(), vxlan.vni())
                && vxlan.local().toString().equals(link.local()) && Objects.equals(parent, link.parent()))) {
            out.append("link del ").append(name).append('\n');
            link = null;
        }
        if (link == null) {
            out.append("link add ").append(name).append(" type vxlan id ").append(vxlan.vni()).append(" dstport ")
                    .append(BridgeModel.Vxlan.PORT).append(" local ").append(vxlan.local()).append(" nolearning");
            if (parent != null) {
                out.append(" dev ").append(parent);
            }
            out.append('\n');
            out.append("link set ").append(name).append(" alias ").append(OWNER).append('\n');
        }
        if (link == null || !bridge.name().name().equals(link.master()) || !link.up()) {
            out.append("link set ").append(name).append(" master ").append(bridge.name()).append(" up\n");
        }
    }
}
