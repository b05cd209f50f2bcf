package io.factnet.node.routing;

import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Our table in nftables. A change of the structure (networks, groups, rules), the first sync and a
 * repair replace the whole table in one {@code nft -f} transaction; a change of associations or VPN
 * ports alone is one transaction of element deletes and adds (milliseconds with 100k elements
 * loaded, where a full replace takes a second). Drift, on a resync: the table's structure (nft's
 * terse listing, the kernel's own canonical text, so formatting never counts) against the one right
 * after the last full apply, and the big maps element by element against what we applied.
 */
final class NftFirewall implements FirewallBackend {
    private final Host host;
    private final Path script;
    private final Path deltaScript;
    private final RoutingConfig config;
    private RoutingModel lastApplied;
    private String lastStructure;

    NftFirewall(Host host, Path folder, RoutingConfig config) {
        this.host = host;
        this.script = folder.resolve("factnet.nft");
        this.deltaScript = folder.resolve("factnet-delta.nft");
        this.config = config;
    }

    @Override
    public List<String> tools() {
        return List.of("nft");
    }

    @Override
    public Outcome sync(RoutingModel model, boolean verify) {
        long began = System.nanoTime();
        boolean sameStructure = lastApplied != null
                && NftRenderer.structure(model).equals(NftRenderer.structure(lastApplied));
        if (sameStructure && verify) {
            sameStructure = structure().equals(lastStructure) && NftListing.elements(listing(), NftRenderer.DELTA_MAPS)
                    .equals(NftRenderer.deltaElements(lastApplied));
        }
        if (sameStructure) {
            String delta = NftRenderer.delta(lastApplied, model);
            long rendering = System.nanoTime() - began;
            if (delta.isEmpty()) {
                return new Outcome(false, millis(rendering), 0);
            }
            long applying = System.nanoTime();
            StateFiles.write(deltaScript, delta, StateFiles.PRIVATE);
            host.run("nft", "-f", deltaScript.toString());
            lastApplied = model;
            return new Outcome(true, millis(rendering), millis(System.nanoTime() - applying));
        }
        String rendered = NftRenderer.render(model, config);
        long rendering = System.nanoTime() - began;
        long applying = System.nanoTime();
        StateFiles.write(script, rendered, StateFiles.PRIVATE);
        lastApplied = null; // until the kernel holds it
        host.run("nft", "-f", script.toString());
        lastStructure = structure();
        lastApplied = model;
        return new Outcome(true, millis(rendering), millis(System.nanoTime() - applying));
    }

    /** The table without the elements of its maps, as the kernel has it (instant), "" when missing. */
    private String structure() {
        return NftListing.table(host.run("nft", "-t", "list", "ruleset").stdout());
    }

    /** The whole table as the kernel has it, or "" when it is missing. */
    private String listing() {
        CommandResult result = host.tryRun("nft", "list", "table", NftRenderer.FAMILY, NftRenderer.TABLE);
        return result.ok() ? result.stdout() : "";
    }

    static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
