package io.factnet.node.routing;

import io.factnet.model.NodeRole;
import io.factnet.model.RoutingEntry;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import io.factnet.node.exec.Tools;
import io.factnet.net.Ipv4Address;
import io.factnet.node.runtime.RoleReconciler;
import io.factnet.node.runtime.SyncReport;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing node (nova's network host): NAT of floating addresses, SNAT of project blocks to the
 * node's public address, VPN port forwards and security-group filters, in our nftables table or our
 * iptables chains; floating addresses on the public interface; conntrack entries of ended
 * associations flushed, so an open connection does not outlive its floating address.
 */
public final class RoutingReconciler implements RoleReconciler<RoutingEntry> {
    private static final Logger log = LoggerFactory.getLogger(RoutingReconciler.class);

    private final Host host;
    private final RoutingConfig config;
    private final FirewallBackend firewall;
    private final FloatingAddresses addresses;
    /** The public names of the floating addresses, when the operator gave a zone (ADR 0032). */
    private final Optional<PublicZone> zone;
    /** The validated model of the last sync or apply that succeeded; null before one, and after a failure. */
    private RoutingState state;
    private final Executor sideBySide = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "factnet-routing-routes");
        thread.setDaemon(true);
        return thread;
    });

    public RoutingReconciler(Host host, Path folder, RoutingConfig config) {
        this.host = host;
        this.config = config;
        StateFiles.privateFolder(folder);
        this.firewall = config.firewall() == RoutingConfig.Firewall.NFTABLES
                ? new NftFirewall(host, folder, config) : new IptablesFirewall(host, folder, config);
        this.addresses = new FloatingAddresses(host, config.publicInterface(), folder);
        this.zone = config.publicZone().map(settings -> new PublicZone(settings, folder, Clock.systemUTC()));
    }

    @Override
    public NodeRole role() {
        return NodeRole.ROUTING;
    }

    @Override
    public void preflight() {
        for (String tool : firewall.tools()) {
            Tools.require(host, tool);
        }
        Tools.require(host, "ip", "-V");
        Tools.require(host, "conntrack");
        host.run("ip", "link", "show", "dev", config.publicInterface().name());
    }

    @Override
    public SyncReport sync(SortedMap<String, RoutingEntry> desired, boolean verify) {
        long began = System.nanoTime();
        // A resync of the entries the kept model was made of keeps it (the model is a function of the entries);
        // otherwise the kept model is made at the first change after this sync, off the path to rules live
        // (a rebuild at start applies the builder's model and keeps none yet).
        RoutingState same = state != null && state.entries().equals(desired) ? state : null;
        state = null; // until this sync succeeds
        RoutingModelBuilder.Built built = RoutingModelBuilder.build(desired, config);
        SyncReport report = syncModel(built.model(), built.rejected(),
                RoutingModelBuilder.counts(built.model(), built.rejected().size()), verify, began);
        zone.ifPresent(z -> z.sync(desired));
        state = same;
        return report;
    }

    /**
     * Applies changed entries to the model kept from the last sync (ADR 0026). Associations and VPN ports
     * (nearly every change) become element deletes and adds in nft and the routes of the floating addresses
     * touched; a change of the structure (a network, a group) applies the whole model, as a sync does.
     */
    @Override
    public SyncReport apply(Map<String, RoutingEntry> changes, Supplier<SortedMap<String, RoutingEntry>> desired) {
        long began = System.nanoTime();
        if (state == null) {
            // the first change after a whole sync: the kept model is made now, from the whole state, and applied
            // whole (the firewall and the routes change only what differs from their last apply)
            SortedMap<String, RoutingEntry> whole = desired.get();
            RoutingState made = RoutingState.of(whole, config);
            SyncReport report = syncModel(made.model(), made.rejected(), made.counts(), false, began);
            zone.ifPresent(z -> z.sync(whole));
            state = made;
            return report;
        }
        RoutingState kept = state;
        state = null; // until this apply succeeds: a failure makes the next sync a whole one
        RoutingState.Update update = kept.apply(changes);
        if (update.structural() || !firewall.deltas()) {
            SyncReport report = syncModel(kept.model(), kept.rejected(), kept.counts(), false, began);
            zone.ifPresent(z -> z.apply(changes));
            state = kept;
            return report;
        }
        long building = System.nanoTime() - began;
        CompletableFuture<FloatingAddresses.Change> routes = CompletableFuture.supplyAsync(
                () -> addresses.apply(update.floating()), sideBySide);
        FirewallBackend.ApplyReport rules;
        try {
            rules = firewall.applyDelta(update.elements());
        } finally {
            routes.handle((outcome, error) -> null).join();
        }
        FloatingAddresses.Change floating = join(routes);
        flushConntrack(floating.ended());
        boolean named = zone.map(z -> z.apply(changes)).orElse(false);
        state = kept;
        boolean changed = rules.applied() || floating.changed() || !floating.ended().isEmpty() || named;
        return new SyncReport(changed, kept.counts(), kept.rejected(), NftFirewall.millis(building) + rules.renderMillis(),
                NftFirewall.millis(System.nanoTime() - began - building) - rules.renderMillis());
    }

    /** Applies the whole model (a sync, or a change of the structure). */
    private SyncReport syncModel(RoutingModel model, List<SyncReport.Rejection> rejected, Map<String, Long> counts,
                                 boolean verify, long began) {
        long building = System.nanoTime() - began;
        boolean changed = verify && enableForwarding();
        // The rule set and the local routes are independent kernel objects: apply them side by side
        // (100k of each take about a second apiece), then flush the connections of ended associations.
        CompletableFuture<FloatingAddresses.Change> routes = CompletableFuture.supplyAsync(
                () -> addresses.sync(model.floating(), verify), sideBySide);
        FirewallBackend.ApplyReport rules;
        try {
            rules = firewall.sync(model, verify);
        } finally {
            routes.handle((outcome, error) -> null).join();
        }
        FloatingAddresses.Change floating = join(routes);
        flushConntrack(floating.ended());
        changed |= rules.applied() || floating.changed() || !floating.ended().isEmpty();
        return new SyncReport(changed, counts, rejected, NftFirewall.millis(building) + rules.renderMillis(),
                NftFirewall.millis(System.nanoTime() - began - building) - rules.renderMillis());
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private boolean enableForwarding() {
        if ("1".equals(host.run("sysctl", "-n", "net.ipv4.ip_forward").stdout().strip())) {
            return false;
        }
        host.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        return true;
    }

    /** Best effort: a connection we cannot flush is logged, it must not undo the apply that already happened. */
    private void flushConntrack(List<Ipv4Address> ended) {
        for (Ipv4Address address : ended) {
            for (String direction : List.of("--orig-dst", "--reply-dst")) {
                CommandResult result = host.tryRun("conntrack", "-D", direction, address.toString());
                if (!result.ok() && !result.stderr().contains("0 flow entries")) {
                    log.warn("cannot flush conntrack entries of {}: {}", address, result.stderr().strip());
                }
            }
        }
    }
}
