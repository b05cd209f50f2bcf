package io.factnet.node.routing;

import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Our table in nftables. A change of the structure (networks, groups, rules), the first sync and a
 * repair replace the whole table in one {@code nft -f} transaction; a change of associations or VPN
 * ports alone is one transaction of element deletes and adds (milliseconds with 100k elements
 * loaded, where a full replace takes a second). Drift, on a resync: the table's structure (nft's
 * terse listing, the kernel's own canonical text, so formatting never counts) against the one right
 * after the last full apply, and the big maps element by element against what we applied.
 * <p>
 * What was applied is kept as the structure and the big maps' elements (typed, by map), which an
 * incremental apply ({@link #applyDelta}) changes element by element: it never looks at the others.
 */
final class NftFirewall implements FirewallBackend {
    private final Host host;
    private final Path script;
    private final Path deltaScript;
    private final RoutingConfig config;
    /** The structure in the kernel since the last full apply; null: unknown (none yet, or one failed). */
    private RoutingModel appliedStructure;
    /** The big maps' elements in the kernel, by map (key -> value); null with {@link #appliedStructure}. */
    private Map<String, Map<Comparable<?>, Object>> appliedElements;
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
    public ApplyReport sync(RoutingModel model, boolean verify) {
        long began = System.nanoTime();
        RoutingModel structure = NftRenderer.structure(model);
        boolean sameStructure = appliedStructure != null && structure.equals(appliedStructure);
        if (sameStructure && verify) {
            sameStructure = structure().equals(lastStructure) && NftListing.elements(listing(), NftRenderer.DELTA_MAPS)
                    .equals(NftRenderer.elements(appliedElements));
        }
        if (sameStructure) {
            Map<String, Map<Comparable<?>, Object>> wanted = NftRenderer.deltaMaps(model);
            String delta = NftRenderer.delta(appliedElements, wanted);
            long rendering = System.nanoTime() - began;
            if (delta.isEmpty()) {
                return new ApplyReport(false, millis(rendering), 0);
            }
            long applying = System.nanoTime();
            StateFiles.write(deltaScript, delta, StateFiles.PRIVATE);
            host.run("nft", "-f", deltaScript.toString());
            appliedElements = copy(wanted);
            return new ApplyReport(true, millis(rendering), millis(System.nanoTime() - applying));
        }
        String rendered = NftRenderer.render(model, config);
        long rendering = System.nanoTime() - began;
        long applying = System.nanoTime();
        StateFiles.write(script, rendered, StateFiles.PRIVATE);
        appliedStructure = null; // until the kernel holds it
        appliedElements = null;
        host.run("nft", "-f", script.toString());
        lastStructure = structure();
        appliedElements = copy(NftRenderer.deltaMaps(model));
        appliedStructure = structure;
        return new ApplyReport(true, millis(rendering), millis(System.nanoTime() - applying));
    }

    @Override
    public boolean deltas() {
        return appliedStructure != null;
    }

    /**
     * Changes the big maps' elements {@code touched} names (map -> key -> value now, null: none) and no
     * others, in one transaction of element deletes and adds against what the kernel holds from us.
     */
    @Override
    public ApplyReport applyDelta(Map<String, Map<Comparable<?>, Object>> touched) {
        if (!deltas()) {
            throw new IllegalStateException("no whole apply of the table to change by elements");
        }
        long began = System.nanoTime();
        Map<String, Map<Comparable<?>, Object>> before = new HashMap<>();
        touched.forEach((map, elements) -> {
            Map<Comparable<?>, Object> applied = appliedElements.get(map);
            Map<Comparable<?>, Object> was = new HashMap<>();
            elements.keySet().forEach(key -> was.put(key, applied.get(key)));
            before.put(map, was);
        });
        String delta = NftRenderer.delta(before, touched);
        long rendering = System.nanoTime() - began;
        if (delta.isEmpty()) {
            return new ApplyReport(false, millis(rendering), 0);
        }
        long applying = System.nanoTime();
        StateFiles.write(deltaScript, delta, StateFiles.PRIVATE);
        host.run("nft", "-f", deltaScript.toString());
        touched.forEach((map, elements) -> {
            Map<Comparable<?>, Object> applied = appliedElements.get(map);
            elements.forEach((key, value) -> {
                if (value == null) {
                    applied.remove(key);
                } else {
                    applied.put(key, value);
                }
            });
        });
        return new ApplyReport(true, millis(rendering), millis(System.nanoTime() - applying));
    }

    private static Map<String, Map<Comparable<?>, Object>> copy(Map<String, Map<Comparable<?>, Object>> maps) {
        Map<String, Map<Comparable<?>, Object>> out = new HashMap<>();
        maps.forEach((map, elements) -> out.put(map, new HashMap<>(elements)));
        return out;
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
