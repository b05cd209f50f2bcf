package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * iptables-restore, iptables-save and iptables, simulated for the nat and filter tables: restore
 * input is parsed line by line and committed per table only when the whole table parsed
 * ({@code --noflush} keeps other chains, a declared user chain is flushed); targets must exist;
 * a chain still referenced cannot be deleted.
 */
public final class SimIptables extends SimTool {
    /**
     * The tables and their built-in chains, in the order iptables-save lists them. An ordered map: Map.of
     * iterates in an order drawn per JVM, and two simulated kernels of equal state (a node agent's and the
     * replay's, in two JVMs) listed their tables in different orders.
     */
    private static final Map<String, List<String>> BUILTIN = builtin();
    private static final Set<String> TARGETS = Set.of("ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "SNAT",
            "MASQUERADE", "LOG", "REDIRECT");

    /** table -> chain -> rules (the text after "-A chain"). */
    private final Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();

    private static Map<String, List<String>> builtin() {
        Map<String, List<String>> builtin = new LinkedHashMap<>();
        builtin.put("filter", List.of("INPUT", "FORWARD", "OUTPUT"));
        builtin.put("nat", List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"));
        return java.util.Collections.unmodifiableMap(builtin);
    }

    public SimIptables() {
        BUILTIN.forEach((table, chains) -> {
            Map<String, List<String>> map = new LinkedHashMap<>();
            chains.forEach(chain -> map.put(chain, new ArrayList<>()));
            tables.put(table, map);
        });
    }

    public Map<String, List<String>> table(String name) {
        return tables.get(name);
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = args(command);
        try {
            if (args.contains("--version")) {
                return ok(command, command.program() + " v1.8.9 (simulated)\n");
            }
            return switch (command.program()) {
                case "iptables-restore" -> restore(command, args);
                case "iptables-save" -> ok(command, save(args.size() == 2 && args.get(0).equals("-t")
                        ? List.of(args.get(1)) : List.copyOf(tables.keySet())));
                default -> single(command, args);
            };
        } catch (SimError e) {
            return fail(command, e.code, command.program() + ": " + e.getMessage());
        }
    }

    private CommandResult restore(Command command, List<String> args) {
        boolean noflush = args.contains("--noflush");
        List<String> files = args.stream().filter(a -> !a.startsWith("-")).toList();
        if (files.size() != 1) {
            throw new SimError(2, "the simulation reads the rules from one file argument");
        }
        String[] lines = readFile(files.get(0)).split("\n");
        Map<String, List<String>> working = null;
        String table = null;
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            String where = "line " + (n + 1) + ": ";
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                table = line.substring(1);
                if (!tables.containsKey(table)) {
                    throw new SimError(where + "table '" + table + "' does not exist");
                }
                working = copy(tables.get(table));
                if (!noflush) {
                    List<String> builtin = BUILTIN.get(table);
                    working.keySet().removeIf(chain -> !builtin.contains(chain));
                    working.values().forEach(List::clear);
                }
            } else if (working == null) {
                throw new SimError(where + "no table given before " + line);
            } else if (line.equals("COMMIT")) {
                checkTargets(working, where);
                tables.put(table, working);
                working = null;
            } else if (line.startsWith(":")) {
                String[] parts = line.substring(1).split(" ");
                String chain = chainName(parts[0], where);
                if (working.containsKey(chain) && !BUILTIN.get(table).contains(chain)) {
                    working.get(chain).clear();
                } else {
                    working.putIfAbsent(chain, new ArrayList<>());
                }
            } else {
                apply(working, table, line, where);
            }
        }
        if (working != null) {
            throw new SimError("no COMMIT line for table " + table);
        }
        return ok(command, "");
    }

    private CommandResult single(Command command, List<String> args) {
        String table = "filter";
        List<String> rest = new ArrayList<>(args);
        if (rest.size() >= 2 && rest.get(0).equals("-t")) {
            table = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (!rest.isEmpty() && rest.get(0).equals("-S")) {
            return ok(command, listRules(table, rest.size() > 1 ? rest.get(1) : null));
        }
        Map<String, List<String>> working = copy(tables.get(table));
        apply(working, table, String.join(" ", rest), "");
        checkTargets(working, "");
        tables.put(table, working);
        return ok(command, "");
    }

    private void apply(Map<String, List<String>> working, String table, String line, String where) {
        String[] words = line.split(" ", 3);
        String op = words[0];
        String chain = words.length > 1 ? chainName(words[1], where) : "";
        String rule = words.length > 2 ? words[2] : "";
        switch (op) {
            case "-N" -> {
                if (working.putIfAbsent(chain, new ArrayList<>()) != null) {
                    throw new SimError(where + "Chain already exists: " + chain);
                }
            }
            case "-F" -> existing(working, chain, where).clear();
            case "-X" -> {
                if (BUILTIN.get(table).contains(chain)) {
                    throw new SimError(where + "cannot delete built-in chain " + chain);
                }
                existing(working, chain, where);
                working.remove(chain);
            }
            case "-A" -> existing(working, chain, where).add(checkRule(rule, where));
            case "-I" -> {
                String[] positioned = rule.split(" ", 2);
                if (positioned[0].matches("[0-9]+")) {
                    existing(working, chain, where).add(Integer.parseInt(positioned[0]) - 1, checkRule(positioned[1], where));
                } else {
                    existing(working, chain, where).add(0, checkRule(rule, where));
                }
            }
            case "-D" -> {
                if (!existing(working, chain, where).remove(rule)) {
                    throw new SimError(where + "Bad rule (does a matching rule exist in that chain?)");
                }
            }
            default -> throw new SimError(2, where + "unknown option " + op);
        }
    }

    private static List<String> existing(Map<String, List<String>> working, String chain, String where) {
        List<String> rules = working.get(chain);
        if (rules == null) {
            throw new SimError(where + "Chain '" + chain + "' does not exist");
        }
        return rules;
    }

    private static String chainName(String name, String where) {
        if (!name.matches("[A-Za-z0-9_-]{1,28}")) {
            throw new SimError(2, where + "invalid chain name `" + name + "'");
        }
        return name;
    }

    /** Addresses must parse, and a rule must say what happens (-j). */
    private static String checkRule(String rule, String where) {
        List<String> words = Arrays.asList(rule.split(" "));
        if (!words.contains("-j")) {
            throw new SimError(where + "rule without a target: " + rule);
        }
        for (int i = 0; i + 1 < words.size(); i++) {
            String option = words.get(i);
            String value = words.get(i + 1);
            try {
                if (option.equals("-s") || option.equals("-d")) {
                    Ipv4Cidr.parseNetworkOrAddress(value);
                } else if (option.equals("--to-destination") || option.equals("--to-source")) {
                    Ipv4Address.parse(value.split(":")[0]);
                }
            } catch (IllegalArgumentException e) {
                throw new SimError(2, where + "host/network `" + value + "' not found");
            }
        }
        return rule;
    }

    private static void checkTargets(Map<String, List<String>> working, String where) {
        working.forEach((chain, rules) -> rules.forEach(rule -> {
            List<String> words = Arrays.asList(rule.split(" "));
            String target = words.get(words.indexOf("-j") + 1);
            if (!TARGETS.contains(target) && !working.containsKey(target)) {
                throw new SimError(where + "Couldn't load target `" + target + "'");
            }
        }));
    }

    /** As iptables -S prints: policies of built-in chains, -N for ours, then the rules. */
    private String listRules(String name, String only) {
        Map<String, List<String>> table = tables.get(name);
        if (only != null && !table.containsKey(only)) {
            throw new SimError("No chain/target/match by that name.");
        }
        StringBuilder out = new StringBuilder();
        table.keySet().stream().filter(c -> only == null || c.equals(only)).forEach(chain -> out.append(
                BUILTIN.get(name).contains(chain) ? "-P " + chain + " ACCEPT\n" : "-N " + chain + "\n"));
        table.forEach((chain, rules) -> {
            if (only == null || chain.equals(only)) {
                rules.forEach(rule -> out.append("-A ").append(chain).append(' ').append(rule).append('\n'));
            }
        });
        return out.toString();
    }

    private String save(List<String> names) {
        StringBuilder out = new StringBuilder("# Generated by iptables-save (simulated)\n");
        for (String name : names) {
            Map<String, List<String>> table = tables.get(name);
            out.append('*').append(name).append('\n');
            // Built-in chains first, then ours by name (as iptables-legacy keeps them): the order chains were
            // made in is no state, and a node that made them over time would otherwise list differently from a replay.
            List<String> chains = new ArrayList<>(BUILTIN.get(name));
            table.keySet().stream().filter(chain -> !BUILTIN.get(name).contains(chain)).sorted().forEach(chains::add);
            chains.forEach(chain -> out.append(':').append(chain)
                    .append(BUILTIN.get(name).contains(chain) ? " ACCEPT [0:0]\n" : " - [0:0]\n"));
            chains.forEach(chain -> table.get(chain).forEach(rule -> out.append("-A ").append(chain).append(' ').append(rule).append('\n')));
            out.append("COMMIT\n");
        }
        return out.toString();
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> table) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        table.forEach((chain, rules) -> copy.put(chain, new ArrayList<>(rules)));
        return copy;
    }
}
