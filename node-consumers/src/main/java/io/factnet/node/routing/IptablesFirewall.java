package io.factnet.node.routing;

import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our chains (prefix factnet-) through one {@code iptables-restore --noflush}, kube-proxy style.
 * iptables-save is never run: with iptables-nft it takes 9 s per table at 100k rules. Instead
 * {@code iptables -t T -S CHAIN} lists just the chains asked for: the built-in ones (do they jump
 * to ours?), the filter table (which group chains of ours exist?), and on a resync our chains, whose
 * rules we render in exactly the form {@code -S} prints, so the comparison needs no baseline.
 */
final class IptablesFirewall implements FirewallBackend {
    private final Host host;
    private final Path input;
    private final RoutingConfig config;
    private Map<String, Map<String, List<String>>> lastApplied;

    IptablesFirewall(Host host, Path folder, RoutingConfig config) {
        this.host = host;
        this.input = folder.resolve("factnet.iptables");
        this.config = config;
    }

    @Override
    public List<String> tools() {
        return List.of("iptables", "iptables-restore");
    }

    @Override
    public ApplyReport sync(RoutingModel model, boolean verify) {
        long began = System.nanoTime();
        Map<String, Map<String, List<String>>> wanted = IptablesRenderer.chains(model, config);
        long rendering = System.nanoTime() - began;
        if (!verify && wanted.equals(lastApplied)) {
            return new ApplyReport(false, NftFirewall.millis(rendering), 0);
        }
        long applying = System.nanoTime();
        Map<String, Set<String>> existing = new HashMap<>();
        Map<String, Set<String>> jumping = new HashMap<>();
        for (String table : IptablesRenderer.TABLES) {
            Set<String> jumps = new HashSet<>();
            IptablesRenderer.JUMPS.get(table).forEach((builtin, ours) -> {
                if (list(table, builtin).contains("-A " + builtin + " -j " + ours)) {
                    jumps.add(builtin);
                }
            });
            jumping.put(table, jumps);
            // nat holds only our fixed chains (declaring them is enough); filter also has one per group.
            Set<String> chains = new HashSet<>(wanted.get(table).keySet());
            if (table.equals("filter")) {
                list(table, null).stream().filter(l -> l.startsWith("-N " + IptablesRenderer.PREFIX))
                        .forEach(l -> chains.add(l.substring(3)));
            }
            existing.put(table, chains);
        }
        if (wanted.equals(lastApplied) && inPlace(wanted, existing, jumping)) {
            return new ApplyReport(false, NftFirewall.millis(rendering), 0);
        }
        StateFiles.write(input, IptablesRenderer.restoreInput(wanted, existing, jumping), StateFiles.PRIVATE);
        lastApplied = null; // until the kernel holds it
        host.run("iptables-restore", "--noflush", input.toString());
        lastApplied = wanted;
        return new ApplyReport(true, NftFirewall.millis(rendering), NftFirewall.millis(System.nanoTime() - applying));
    }

    /** True when every jump is there, no stale chain of ours is, and each of our chains lists exactly its rules. */
    private boolean inPlace(Map<String, Map<String, List<String>>> wanted, Map<String, Set<String>> existing,
                            Map<String, Set<String>> jumping) {
        for (String table : IptablesRenderer.TABLES) {
            if (!jumping.get(table).equals(IptablesRenderer.JUMPS.get(table).keySet())
                    || !existing.get(table).equals(wanted.get(table).keySet())) {
                return false;
            }
            for (Map.Entry<String, List<String>> chain : wanted.get(table).entrySet()) {
                List<String> expected = new ArrayList<>();
                expected.add("-N " + chain.getKey());
                chain.getValue().forEach(rule -> expected.add("-A " + chain.getKey() + " " + rule));
                if (!list(table, chain.getKey()).equals(expected)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code iptables -t TABLE -S [CHAIN]}, one rule per line; empty when the chain does not exist. */
    private List<String> list(String table, String chain) {
        var result = chain == null ? host.tryRun("iptables", "-t", table, "-S") : host.tryRun("iptables", "-t", table, "-S", chain);
        return result.ok() ? result.stdout().lines().toList() : List.of();
    }
}
