package io.factnet.node.bridging;

import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.IpLinks;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Puts the port guard into the kernel (ADR 0035). The first apply, a change of the forward chain (the DHCP servers,
 * same-group traffic) and a repair replace our two tables in one {@code nft -f} transaction; a port that comes, goes or
 * is found a stranger, and a group or rule that changes, is one transaction of element deletes and adds and of those
 * groups' chains (a rule change on a group of 1,000 members rewrites that group's chain, not the members' elements).
 * Drift, on a resync: our tables as the kernel lists them (counters aside) against the listing right after our last
 * replace; after deltas a resync replaces them without asking. Turns on br_netfilter's call into the inet hooks for bridged IPv4 while a port
 * is guarded (never off again: a node that guarded once keeps its group filters reachable, and nothing of ours needs it off).
 */
final class PortFirewall {
    static final String BRIDGE_NF = "net.bridge.bridge-nf-call-iptables";
    private static final Pattern COUNTER = Pattern.compile("counter packets \\d+ bytes \\d+");

    private final Host host;
    private final Path script;
    private final Path deltaScript;
    private final boolean sameGroupTraffic;
    /** The applied model's structure and elements; null: unknown (nothing applied yet, or it failed). */
    private PortFilterRenderer.Structure appliedStructure;
    private Map<String, Set<String>> appliedElements;
    private PortSecurity applied;
    private String appliedListing;

    PortFirewall(Host host, Path folder, boolean sameGroupTraffic) {
        this.host = host;
        this.script = folder.resolve("ports.nft");
        this.deltaScript = folder.resolve("ports-delta.nft");
        this.sameGroupTraffic = sameGroupTraffic;
    }

    /** Takes the kernel to {@code model}; returns whether anything changed. Throws when the kernel refuses. */
    boolean sync(PortSecurity model, boolean verify) {
        if (!model.guards()) {
            return removeIfThere(verify);
        }
        boolean changed = bridgeNetfilter();
        Set<String> strangers = strangers(model);
        PortFilterRenderer.Structure structure = PortFilterRenderer.structure(model, sameGroupTraffic);
        boolean byDelta = structure.sameForward(appliedStructure);
        if (byDelta && verify) {
            // After deltas the listing is unknown (listing 1,000 elements costs more than the delta): a resync then
            // replaces the tables once, as it does when they drifted.
            byDelta = appliedStructure.equals(structure) && appliedListing != null && listing().equals(appliedListing);
        }
        Map<String, Set<String>> elements = PortFilterRenderer.elements(model, strangers);
        if (byDelta) {
            changed |= applyDelta(structure, elements);
        } else {
            appliedStructure = null;
            StateFiles.write(script, PortFilterRenderer.render(model, sameGroupTraffic, strangers), StateFiles.PRIVATE);
            host.run("nft", "-f", script.toString());
            appliedStructure = structure;
            appliedElements = elements;
            appliedListing = listing();
            changed = true;
        }
        applied = model;
        return changed;
    }

    /**
     * Looks for strangers on the strict bridges again (a port put on a bridge between two syncs) and drops them by an
     * element add; returns whether anything changed.
     */
    boolean recheckStrangers() {
        if (applied == null || appliedStructure == null || applied.strictBridges().isEmpty()) {
            return false;
        }
        return applyDelta(appliedStructure, PortFilterRenderer.elements(applied, strangers(applied)));
    }

    private boolean applyDelta(PortFilterRenderer.Structure structure, Map<String, Set<String>> elements) {
        String delta = PortFilterRenderer.delta(appliedStructure, appliedElements, structure, elements);
        if (delta.isEmpty()) {
            return false;
        }
        StateFiles.write(deltaScript, delta, StateFiles.PRIVATE);
        try {
            host.run("nft", "-f", deltaScript.toString());
        } catch (RuntimeException e) {
            appliedStructure = null; // the next sync replaces the tables
            throw e;
        }
        appliedStructure = structure;
        appliedElements = elements;
        appliedListing = null;
        return true;
    }

    /** The ports on a strict bridge that are neither a guarded instance's nor a link to the other nodes. */
    private Set<String> strangers(PortSecurity model) {
        Set<String> strangers = new TreeSet<>();
        if (model.strictBridges().isEmpty()) {
            return strangers;
        }
        Set<String> known = new TreeSet<>();
        model.ports().forEach(p -> known.add(p.port().name()));
        for (IpLinks.Link link : IpLinks.read(host).values()) {
            Set<String> links = link.master() == null ? null : model.strictBridges().get(link.master());
            if (links != null && !links.contains(link.name()) && !known.contains(link.name())) {
                strangers.add(link.name());
            }
        }
        return strangers;
    }

    private boolean bridgeNetfilter() {
        String value = host.run("sysctl", "-n", BRIDGE_NF).stdout().strip();
        if (value.equals("1")) {
            return false;
        }
        host.run("sysctl", "-q", "-w", BRIDGE_NF + "=1");
        return true;
    }

    private boolean removeIfThere(boolean verify) {
        boolean there = appliedStructure != null || applied != null || verify && !listing().isEmpty();
        applied = null;
        appliedStructure = null;
        appliedElements = null;
        appliedListing = null;
        if (!there) {
            return false;
        }
        StateFiles.write(script, PortFilterRenderer.remove(), StateFiles.PRIVATE);
        host.run("nft", "-f", script.toString());
        return true;
    }

    /** Our two tables as the kernel lists them, counters aside; "" for a missing one. */
    private String listing() {
        StringBuilder out = new StringBuilder();
        for (List<String> table : List.of(List.of(PortFilterRenderer.PORTS_FAMILY, PortFilterRenderer.PORTS_TABLE),
                List.of(PortFilterRenderer.GROUPS_FAMILY, PortFilterRenderer.GROUPS_TABLE))) {
            CommandResult result = host.tryRun("nft", "list", "table", table.get(0), table.get(1));
            if (result.ok()) {
                out.append(COUNTER.matcher(result.stdout()).replaceAll("counter"));
            }
        }
        return out.toString();
    }
}
