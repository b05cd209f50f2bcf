package io.factnet.node.tunneling;

import io.factnet.model.NodeRole;
import io.factnet.model.TunnelingEntry;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.IpLinks;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.exec.Tools;
import io.factnet.net.Ipv4Cidr;
import io.factnet.net.WireGuardKey;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import io.factnet.node.runtime.SyncReport.Rejection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunneling node: per project VPN a WireGuard interface (in-kernel, or wireguard-go where the
 * module is missing) with its listen port, address and peers. The node's private key is made here
 * once and kept in a 0600 file; only its public key leaves the node, in the ack.
 */
public final class TunnelingReconciler implements RoleReconciler<TunnelingEntry> {
    private static final Logger log = LoggerFactory.getLogger(TunnelingReconciler.class);
    static final String OWNER = "factnet-tunneling";

    private final Host host;
    private final Path folder;
    private final TunnelingConfig config;
    private final WireGuardKey privateKey;
    private final WireGuardKey publicKey;
    private boolean kernel;
    private TunnelModel lastApplied;
    private List<Rejection> lastForeign = List.of();

    public TunnelingReconciler(Host host, Path folder, TunnelingConfig config) {
        this.host = host;
        this.folder = StateFiles.privateFolder(folder);
        this.config = config;
        Path keyFile = this.folder.resolve("private.key");
        Optional<String> stored = StateFiles.read(keyFile).map(String::strip);
        if (stored.isPresent()) {
            privateKey = new WireGuardKey(stored.get());
        } else {
            privateKey = WireGuardKeys.generatePrivate();
            StateFiles.write(keyFile, privateKey.base64() + "\n", StateFiles.PRIVATE);
            log.info("made this node's WireGuard key pair (private key in {}, mode 0600)", keyFile);
        }
        publicKey = WireGuardKeys.publicOf(privateKey);
        kernel = config.implementation() == TunnelingConfig.Implementation.KERNEL;
    }

    @Override
    public NodeRole role() {
        return NodeRole.TUNNELING;
    }

    @Override
    public void preflight() {
        Tools.require(host, "wg", "--version");
        Tools.require(host, "ip", "-V");
        kernel = switch (config.implementation()) {
            case KERNEL -> true;
            case USERSPACE -> false;
            case AUTO -> host.features().wireguard();
        };
        if (!kernel) {
            Tools.require(host, "wireguard-go", "--version");
        }
        log.info("WireGuard in {}", kernel ? "the kernel" : "user space (wireguard-go)");
    }

    @Override
    public Optional<String> publicKey() {
        return Optional.of(publicKey.base64());
    }

    @Override
    public SyncReport sync(SortedMap<String, TunnelingEntry> desired, boolean verify) {
        long began = System.nanoTime();
        TunnelModel.Built built = TunnelModel.build(desired, config);
        long rendered = System.nanoTime();
        boolean changed = false;
        List<Rejection> rejected = new ArrayList<>(built.rejected());
        List<Rejection> failed = new ArrayList<>();
        if (verify || !built.model().equals(lastApplied)) {
            Map<String, IpLinks.Link> links = IpLinks.read(host);
            List<Rejection> foreign = new ArrayList<>();
            for (TunnelModel.Tunnel tunnel : built.model().tunnels()) {
                IpLinks.Link link = links.get(tunnel.name().name());
                if (link != null && !link.ownedBy(OWNER)) {
                    foreign.add(new Rejection(tunnel.resource(), "interface " + tunnel.name()
                            + " exists and is not factnet's (no alias " + OWNER + "); it is left alone"));
                    continue;
                }
                try {
                    changed |= ensure(tunnel, link);
                } catch (RuntimeException e) {
                    // One VPN's failure must not hold back the others: its entry is reported and retried.
                    failed.add(new Rejection(tunnel.resource(), e.getMessage()));
                }
            }
            lastForeign = foreign;
            for (IpLinks.Link link : links.values()) {
                if (link.ownedBy(OWNER) && built.model().tunnels().stream().noneMatch(t -> t.name().name().equals(link.name()))) {
                    host.run("ip", "link", "del", link.name());
                    StateFiles.delete(folder.resolve(link.name() + ".conf"));
                    changed = true;
                }
            }
            changed |= removeStaleConfigurations(built.model());
            lastApplied = failed.isEmpty() ? built.model() : null;
        }
        rejected.addAll(lastForeign);
        long peers = built.model().tunnels().stream().mapToLong(t -> t.peers().size()).sum();
        return new SyncReport(changed, Map.of("tunnels", (long) built.model().tunnels().size(), "peers", peers,
                "rejected", (long) rejected.size()), rejected, (rendered - began) / 1_000_000,
                (System.nanoTime() - rendered) / 1_000_000, failed);
    }

    /**
     * Deletes the configuration files of tunnels that are no longer this node's. Deleting an interface
     * deletes its file, but an interface can go without the agent: a reboot (or, with the render driver,
     * a restart of the agent, whose simulated kernel starts empty) while a VPN was deleted or moved left
     * its file, private key included, for good (the chaos campaign's check 4 found them after an agent kill).
     */
    private boolean removeStaleConfigurations(TunnelModel model) {
        java.util.Set<String> wanted = new java.util.HashSet<>();
        model.tunnels().forEach(t -> wanted.add(t.name().name() + ".conf"));
        List<Path> stale;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
            stale = files.filter(java.nio.file.Files::isRegularFile).filter(f -> {
                String name = f.getFileName().toString();
                return name.startsWith(config.interfacePrefix()) && name.endsWith(".conf") && !wanted.contains(name);
            }).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + folder, e);
        }
        stale.forEach(file -> {
            StateFiles.delete(file);
            log.info("removed {}: its tunnel is no longer this node's", file.getFileName());
        });
        return !stale.isEmpty();
    }

    private boolean ensure(TunnelModel.Tunnel tunnel, IpLinks.Link link) {
        String name = tunnel.name().name();
        boolean changed = false;
        if (link == null) {
            if (kernel) {
                host.run("ip", "link", "add", name, "type", "wireguard");
            } else {
                host.run("wireguard-go", name);
            }
            host.run("ip", "link", "set", name, "alias", OWNER);
            changed = true;
        }
        if (link == null || !device(name).equals(wanted(tunnel))) {
            Path conf = folder.resolve(name + ".conf");
            StateFiles.write(conf, config(tunnel), StateFiles.PRIVATE);
            host.run("wg", "syncconf", name, conf.toString());
            changed = true;
        }
        List<Ipv4Cidr> addresses = link == null ? List.of() : link.addresses();
        if (!addresses.contains(tunnel.address())) {
            host.run("ip", "address", "add", tunnel.address().toString(), "dev", name);
            changed = true;
        }
        for (Ipv4Cidr other : addresses) {
            if (!other.equals(tunnel.address())) {
                host.run("ip", "address", "del", other.toString(), "dev", name);
                changed = true;
            }
        }
        if (link == null || !link.up()) {
            host.run("ip", "link", "set", name, "up");
            changed = true;
        }
        return changed;
    }

    /** wg's configuration file (not wg-quick's): the private key, the port, the peers. Mode 0600. */
    String config(TunnelModel.Tunnel tunnel) {
        StringBuilder out = new StringBuilder("[Interface]\nPrivateKey = ").append(privateKey.base64())
                .append("\nListenPort = ").append(tunnel.listenPort()).append('\n');
        for (TunnelModel.Peer peer : tunnel.peers()) {
            out.append("\n[Peer]\nPublicKey = ").append(peer.publicKey().base64())
                    .append("\nAllowedIPs = ").append(peer.allowedIp()).append('\n');
        }
        return out.toString();
    }

    /** What {@code wg show <if> dump} should say: our public key, the port, peer -> allowed IP. */
    private Map<String, String> wanted(TunnelModel.Tunnel tunnel) {
        Map<String, String> state = new TreeMap<>();
        state.put("publicKey", publicKey.base64());
        state.put("listenPort", String.valueOf(tunnel.listenPort()));
        tunnel.peers().forEach(p -> state.put("peer " + p.publicKey().base64(), p.allowedIp().toString()));
        return state;
    }

    private Map<String, String> device(String name) {
        Map<String, String> state = new TreeMap<>();
        String[] lines = host.run("wg", "show", name, "dump").stdout().split("\n");
        String[] head = lines[0].split("\t");
        state.put("publicKey", head.length > 1 ? head[1] : "");
        state.put("listenPort", head.length > 2 ? head[2] : "");
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].split("\t");
            if (fields.length > 3) {
                state.put("peer " + fields[0], fields[3]);
            }
        }
        return state;
    }
}
