package io.factnet.node.routing;

import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Our table, replaced in one {@code nft -f} transaction. Drift shows as a difference between the
 * kernel's listing of the table now and right after our last apply (the kernel's own canonical
 * text, so formatting never counts as drift).
 */
final class NftFirewall implements FirewallBackend {
    private final Host host;
    private final Path script;
    private final RoutingConfig config;
    private String lastRendered;
    private String lastListing;

    NftFirewall(Host host, Path folder, RoutingConfig config) {
        this.host = host;
        this.script = folder.resolve("factnet.nft");
        this.config = config;
    }

    @Override
    public List<String> tools() {
        return List.of("nft");
    }

    @Override
    public Outcome sync(RoutingModel model, boolean verify) {
        long began = System.nanoTime();
        String rendered = NftRenderer.render(model, config);
        long rendering = System.nanoTime() - began;
        boolean same = rendered.equals(lastRendered) && (!verify || listing().equals(lastListing));
        if (same) {
            return new Outcome(false, millis(rendering), 0);
        }
        long applying = System.nanoTime();
        StateFiles.write(script, rendered, StateFiles.PRIVATE);
        host.run("nft", "-f", script.toString());
        applying = System.nanoTime() - applying;
        lastListing = listing();
        lastRendered = rendered;
        return new Outcome(true, millis(rendering), millis(applying));
    }

    /** The table as the kernel has it, or "" when it is missing. */
    private String listing() {
        CommandResult result = host.tryRun("nft", "list", "table", NftRenderer.FAMILY, NftRenderer.TABLE);
        return result.ok() ? result.stdout() : "";
    }

    static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
