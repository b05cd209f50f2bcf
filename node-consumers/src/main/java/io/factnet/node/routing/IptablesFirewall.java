package io.factnet.node.routing;

import io.factnet.node.exec.Host;
import io.factnet.node.exec.StateFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our chains (prefix factnet-) through one {@code iptables-restore --noflush}, kube-proxy style:
 * iptables-save tells which of our chains exist and whether the built-in chains still jump to
 * ours; everything else in the tables is left as it is.
 */
final class IptablesFirewall implements FirewallBackend {
    private final Host host;
    private final Path input;
    private final RoutingConfig config;
    private Map<String, Map<String, List<String>>> lastWanted;
    private String lastOurs;

    IptablesFirewall(Host host, Path folder, RoutingConfig config) {
        this.host = host;
        this.input = folder.resolve("factnet.iptables");
        this.config = config;
    }

    @Override
    public List<String> tools() {
        return List.of("iptables-restore", "iptables-save");
    }

    @Override
    public Outcome sync(RoutingModel model, boolean verify) {
        long began = System.nanoTime();
        Map<String, Map<String, List<String>>> wanted = IptablesRenderer.chains(model, config);
        long rendering = System.nanoTime() - began;
        if (!verify && wanted.equals(lastWanted)) {
            return new Outcome(false, NftFirewall.millis(rendering), 0);
        }
        long applying = System.nanoTime();
        Map<String, String> saved = save();
        if (wanted.equals(lastWanted) && ours(saved).equals(lastOurs)) {
            return new Outcome(false, NftFirewall.millis(rendering), 0);
        }
        Map<String, Set<String>> existing = new HashMap<>();
        Map<String, Set<String>> jumping = new HashMap<>();
        saved.forEach((table, text) -> {
            Set<String> chains = new HashSet<>();
            Set<String> jumps = new HashSet<>();
            for (String line : text.split("\n")) {
                if (line.startsWith(":" + IptablesRenderer.PREFIX)) {
                    chains.add(line.substring(1, line.indexOf(' ') > 0 ? line.indexOf(' ') : line.length()));
                }
                IptablesRenderer.JUMPS.get(table).forEach((builtin, ours) -> {
                    if (line.equals("-A " + builtin + " -j " + ours)) {
                        jumps.add(builtin);
                    }
                });
            }
            existing.put(table, chains);
            jumping.put(table, jumps);
        });
        StateFiles.write(input, IptablesRenderer.restoreInput(wanted, existing, jumping), StateFiles.PRIVATE);
        host.run("iptables-restore", "--noflush", input.toString());
        applying = System.nanoTime() - applying;
        lastOurs = ours(save());
        lastWanted = wanted;
        return new Outcome(true, NftFirewall.millis(rendering), NftFirewall.millis(applying));
    }

    private Map<String, String> save() {
        Map<String, String> saved = new HashMap<>();
        for (String table : IptablesRenderer.TABLES) {
            saved.put(table, host.run("iptables-save", "-t", table).stdout());
        }
        return saved;
    }

    /** Our part of the saved tables: our chains, their rules and the jumps into them, without counters. */
    static String ours(Map<String, String> saved) {
        StringBuilder out = new StringBuilder();
        for (String table : IptablesRenderer.TABLES) {
            out.append('*').append(table).append('\n');
            for (String line : saved.getOrDefault(table, "").split("\n")) {
                if (line.startsWith(":" + IptablesRenderer.PREFIX)) {
                    out.append(line, 0, line.indexOf(' ') > 0 ? line.indexOf(' ') : line.length()).append('\n');
                } else if (line.startsWith("-A " + IptablesRenderer.PREFIX) || (line.startsWith("-A ")
                        && line.contains(" -j " + IptablesRenderer.PREFIX))) {
                    out.append(line).append('\n');
                }
            }
        }
        return out.toString();
    }
}
