package io.factnet.node.trace;

import io.factnet.node.sim.SimNft;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One netfilter hook of one node, as nftables runs it: every base chain of the hook in the tables of the hook's
 * families, by priority; each must accept (a drop ends the packet, an accept ends only that chain), and a NAT chain's
 * translation changes the packet for the chains after it.
 */
final class NftHook {
    /** nft's named priorities (the ones a chain header may use). */
    private static final Map<String, Integer> PRIORITIES = Map.of("raw", -300, "mangle", -150, "dstnat", -100, "filter", 0,
            "security", 50, "srcnat", 100, "out", 100);
    private static final int MAX_DEPTH = 16;

    /** The packet after the hook, whether it was accepted, and one hop per base chain evaluated. */
    record Result(Packet packet, boolean accepted, List<Hop> hops) {
    }

    private record BaseChain(int priority, SimNft.Table table, String name, String policy) {
    }

    /** Where a chain's walk ended: a terminal verdict or NAT (with the rule and the chains on the way) or its end. */
    private record Walk(String verdict, String rule, String path, NftRule.Nat nat) {
    }

    private NftHook() {
    }

    /**
     * Runs {@code hook} (prerouting, input, forward, output, postrouting) of {@code families} ("ip", "inet" or
     * "bridge") on the node's nft state; {@code context} says where the packet is.
     */
    static Result run(String node, SimNft nft, Set<String> families, String hook, NftRule.Context context) {
        List<BaseChain> chains = new ArrayList<>();
        for (SimNft.Table table : nft.tables().values()) {
            if (!families.contains(table.family)) {
                continue;
            }
            table.chains.forEach((name, chain) -> {
                if (chain.header != null && chain.header.contains(" hook " + hook + " ")) {
                    chains.add(new BaseChain(priority(table, name, chain.header), table, name, policy(chain.header)));
                }
            });
        }
        chains.sort(Comparator.comparingInt(BaseChain::priority));
        List<Hop> hops = new ArrayList<>();
        Packet packet = context.packet();
        for (BaseChain base : chains) {
            NftRule.Context here = new NftRule.Context(packet, context.iif(), context.oif(), context.routeDevice(),
                    context.interfaceAddress());
            Walk walk = walk(base.table(), base.name(), here, 0);
            String table = base.table().family + " " + base.table().name;
            if (walk == null) {
                hops.add(new Hop(node, table, base.name(), "policy " + base.policy(), "", base.policy()));
                if (base.policy().equals("drop")) {
                    return new Result(packet, false, hops);
                }
                continue;
            }
            if (walk.nat() != null) {
                packet = walk.nat().packet();
                hops.add(new Hop(node, table, walk.path(), walk.rule(), walk.nat().description(), "accept"));
                continue;
            }
            hops.add(new Hop(node, table, walk.path(), walk.rule(), "", walk.verdict()));
            if (walk.verdict().equals("drop")) {
                return new Result(packet, false, hops);
            }
        }
        return new Result(packet, true, hops);
    }

    /** The chain's rules in order; null when it ends (or returns) without a verdict. */
    private static Walk walk(SimNft.Table table, String name, NftRule.Context context, int depth) {
        if (depth > MAX_DEPTH) {
            throw new CannotEvaluate("chains jump deeper than " + MAX_DEPTH + " at " + name);
        }
        SimNft.Chain chain = table.chains.get(name);
        if (chain == null) {
            throw new CannotEvaluate("no chain " + name + " in table " + table.family + " " + table.name);
        }
        for (String rule : chain.rules) {
            NftRule.Effect outcome = NftRule.evaluate(rule, table, context);
            if (outcome instanceof NftRule.Nat nat) {
                return new Walk("accept", rule, name, nat);
            }
            if (outcome instanceof NftRule.Verdict verdict) {
                switch (verdict.kind()) {
                    case "accept", "drop" -> {
                        return new Walk(verdict.kind(), rule, name, null);
                    }
                    case "return" -> {
                        return null;
                    }
                    default -> {
                        Walk inner = walk(table, verdict.target(), context, depth + 1);
                        if (inner != null) {
                            return new Walk(inner.verdict(), inner.rule(), name + " > " + inner.path(), inner.nat());
                        }
                        if (verdict.kind().equals("goto")) {
                            return null; // a goto's chain returns to the chain that called this one
                        }
                    }
                }
            }
        }
        return null;
    }

    private static int priority(SimNft.Table table, String name, String header) {
        String[] words = header.replace(";", " ").trim().split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("priority")) {
                String value = words[i + 1];
                if (PRIORITIES.containsKey(value)) {
                    return PRIORITIES.get(value);
                }
                try {
                    return Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new CannotEvaluate("chain " + name + " of table " + table.name + ": priority " + value);
                }
            }
        }
        throw new CannotEvaluate("chain " + name + " of table " + table.name + " has no priority");
    }

    private static String policy(String header) {
        return header.contains("policy drop") ? "drop" : "accept";
    }
}
