package io.factnet.node.sim;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.net.Ipv4Address;
import io.factnet.net.Ipv4Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nft, simulated: parses scripts given with {@code -f} (tables, sets, maps with typed elements,
 * chains with rules; element adds and deletes; chain flushes and deletes), applies a whole file as one transaction (nothing changes when any part
 * fails), checks that every {@code @set} and {@code jump} target exists, and lists tables.
 */
public final class SimNft extends SimTool {
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_./:@,&=!<>*-]+");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
    private static final Pattern REFERENCE = Pattern.compile("@([A-Za-z0-9_]+)|\\b(?:jump|goto) ([A-Za-z0-9_]+)");

    private Map<String, Table> tables = new LinkedHashMap<>();

    /** One table: its sets and maps, its chains (header line and rules), in declaration order. */
    public static final class Table {
        public final String family;
        public final String name;
        String comment;
        public final Map<String, NamedSet> sets = new LinkedHashMap<>();
        public final Map<String, Chain> chains = new LinkedHashMap<>();

        Table(String family, String name) {
            this.family = family;
            this.name = name;
        }

        Table copy() {
            Table copy = new Table(family, name);
            copy.comment = comment;
            sets.forEach((k, v) -> copy.sets.put(k, v.copy()));
            chains.forEach((k, v) -> copy.chains.put(k, v.copy()));
            return copy;
        }
    }

    public static final class NamedSet {
        public final String kind;
        public String type = "";
        public String flags = "";
        /** Elements by key (a map's element "k : v" by "k"): a delta finds its elements without a scan. */
        private final Map<String, String> byKey = new LinkedHashMap<>();
        public final Collection<String> elements = Collections.unmodifiableCollection(byKey.values());

        NamedSet(String kind) {
            this.kind = kind;
        }

        NamedSet copy() {
            NamedSet copy = new NamedSet(kind);
            copy.type = type;
            copy.flags = flags;
            copy.byKey.putAll(byKey);
            return copy;
        }

        static String key(String element) {
            int colon = element.indexOf(" : ");
            return colon < 0 ? element : element.substring(0, colon);
        }
    }

    public static final class Chain {
        public String header;
        public final List<String> rules = new ArrayList<>();

        Chain copy() {
            Chain copy = new Chain();
            copy.header = header;
            copy.rules.addAll(rules);
            return copy;
        }
    }

    public Map<String, Table> tables() {
        return tables;
    }

    public Table table(String family, String name) {
        return tables.get(family + " " + name);
    }

    @Override
    CommandResult run(Command command) {
        List<String> args = args(command);
        try {
            if (args.size() == 1 && args.get(0).equals("--version")) {
                return ok(command, "nftables v1.0.6 (simulated)\n");
            }
            if (args.size() == 2 && args.get(0).equals("-f")) {
                // One transaction without copying what it does not change: a table the script declares with a
                // body is copied (or made) first; element adds and deletes change the sets in place and are
                // undone when any part fails. A delta of two elements costs two, not the 200k loaded.
                Map<String, Table> working = new LinkedHashMap<>(tables);
                Parser parser = new Parser(tokens(readFile(args.get(1))), working);
                try {
                    parser.file();
                    parser.owned.keySet().stream().filter(t -> working.get(t.family + " " + t.name) == t)
                            .forEach(SimNft::checkReferences);
                    parser.added.forEach(a -> checkReferences(a.table(), List.of(a.element())));
                } catch (RuntimeException e) {
                    parser.undo();
                    throw e;
                }
                tables = working;
                return ok(command, "");
            }
            if (args.size() == 4 && args.get(0).equals("list") && args.get(1).equals("table")) {
                Table table = table(args.get(2), args.get(3));
                if (table == null) {
                    return fail(command, 1, "Error: No such file or directory; did you mean table '" + args.get(3) + "'?");
                }
                return ok(command, list(table, false));
            }
            if (args.equals(List.of("list", "ruleset")) || args.equals(List.of("-t", "list", "ruleset"))) {
                boolean terse = args.get(0).equals("-t");
                StringBuilder out = new StringBuilder();
                tables.values().forEach(t -> out.append(list(t, terse)));
                return ok(command, out.toString());
            }
            return fail(command, 1, "Error: unsupported by the simulation: " + command.display());
        } catch (SimError e) {
            return fail(command, e.code, "Error: " + e.getMessage());
        }
    }

    private static void checkReferences(Table table) {
        List<String> texts = new ArrayList<>();
        table.chains.values().forEach(c -> texts.addAll(c.rules));
        table.sets.values().forEach(s -> texts.addAll(s.elements));
        checkReferences(table, texts);
    }

    private static void checkReferences(Table table, List<String> texts) {
        for (String text : texts) {
            if (text.indexOf('@') < 0 && !text.contains("jump ") && !text.contains("goto ")) {
                continue;
            }
            Matcher m = REFERENCE.matcher(text);
            while (m.find()) {
                if (m.group(1) != null && !table.sets.containsKey(m.group(1))) {
                    throw new SimError("Could not process rule: No such file or directory: set @" + m.group(1));
                }
                if (m.group(2) != null && !table.chains.containsKey(m.group(2))) {
                    throw new SimError("Could not process rule: No such file or directory: chain " + m.group(2));
                }
            }
        }
    }

    static String list(Table table, boolean terse) {
        return list(table, terse, false);
    }

    /**
     * The table as {@code nft list} prints it; {@code byName}: its sets and chains by name rather than in the
     * order they were made (which is no state: a node that added a chain by a delta made it after those a
     * replay's one full script declares after it). Rules keep their order, which is state.
     */
    static String list(Table table, boolean terse, boolean byName) {
        Map<String, NamedSet> tableSets = byName ? new java.util.TreeMap<>(table.sets) : table.sets;
        Map<String, Chain> tableChains = byName ? new java.util.TreeMap<>(table.chains) : table.chains;
        StringBuilder out = new StringBuilder("table " + table.family + " " + table.name + " {\n");
        if (table.comment != null) {
            out.append("\tcomment ").append(table.comment).append('\n');
        }
        tableSets.forEach((name, set) -> {
            out.append('\t').append(set.kind).append(' ').append(name).append(" {\n\t\ttype ").append(set.type).append('\n');
            if (!set.flags.isEmpty()) {
                out.append("\t\tflags ").append(set.flags).append('\n');
            }
            if (!set.elements.isEmpty() && !terse) {
                // sorted: the kernel's order is its own, nothing may depend on it
                out.append("\t\telements = { ").append(String.join(", ", new java.util.TreeSet<>(set.elements))).append(" }\n");
            }
            out.append("\t}\n");
        });
        tableChains.forEach((name, chain) -> {
            out.append("\tchain ").append(name).append(" {\n");
            if (chain.header != null) {
                out.append("\t\t").append(chain.header).append('\n');
            }
            chain.rules.forEach(rule -> out.append("\t\t").append(rule).append('\n'));
            out.append("\t}\n");
        });
        return out.append("}\n").toString();
    }

    /** Words, strings and the structural tokens "{", "}" and ";" (a line end counts as ";"). */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\n') {
                tokens.add(";");
                line++;
                i++;
            } else if (c == ' ' || c == '\t') {
                i++;
            } else if (c == '#') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '{' || c == '}' || c == ';') {
                tokens.add(String.valueOf(c));
                i++;
            } else if (c == '"') {
                int end = text.indexOf('"', i + 1);
                int newline = text.indexOf('\n', i + 1);
                if (end < 0 || (newline >= 0 && newline < end)) {
                    throw new SimError("line " + line + ": unterminated string");
                }
                tokens.add(text.substring(i, end + 1));
                i = end + 1;
            } else {
                Matcher m = WORD.matcher(text).region(i, text.length());
                if (!m.lookingAt()) {
                    throw new SimError("line " + line + ": syntax error, unexpected character '" + c + "'");
                }
                tokens.add(m.group());
                i = m.end();
            }
        }
        return tokens;
    }

    private static final class Parser {
        private final List<String> tokens;
        private final Map<String, Table> tables;
        private int at;
        /** Tables made or copied by this transaction: changed freely, dropped when it fails. */
        final Map<Table, Boolean> owned = new IdentityHashMap<>();
        /** Element changes made in place in the tables of before, to undo when it fails; latest last. */
        private final List<Runnable> undos = new ArrayList<>();
        /** Elements added in place, whose references are checked at the end. */
        final List<Added> added = new ArrayList<>();

        record Added(Table table, String element) {
        }

        void undo() {
            for (int i = undos.size() - 1; i >= 0; i--) {
                undos.get(i).run();
            }
            undos.clear();
        }

        Parser(List<String> tokens, Map<String, Table> tables) {
            this.tokens = tokens;
            this.tables = tables;
        }

        void file() {
            while (at < tokens.size()) {
                String word = next();
                switch (word) {
                    case ";" -> {
                    }
                    case "add" -> {
                        if (peek("element")) {
                            next();
                            elements(true);
                            continue;
                        }
                        expect("table");
                        table();
                    }
                    case "table" -> table();
                    case "delete" -> {
                        if (peek("element")) {
                            next();
                            elements(false);
                            continue;
                        }
                        if (peek("chain")) {
                            next();
                            Table table = ownedTable();
                            String chain = name(next());
                            if (table.chains.remove(chain) == null) {
                                throw new SimError("Could not process rule: No such file or directory: chain " + chain);
                            }
                            continue;
                        }
                        expect("table");
                        String key = family(next()) + " " + name(next());
                        if (tables.remove(key) == null) {
                            throw new SimError("Could not process rule: No such file or directory: table " + key);
                        }
                    }
                    case "flush" -> {
                        if (peek("chain")) {
                            next();
                            Table table = ownedTable();
                            String chain = name(next());
                            Chain flushed = table.chains.get(chain);
                            if (flushed == null) {
                                throw new SimError("Could not process rule: No such file or directory: chain " + chain);
                            }
                            flushed.rules.clear();
                            continue;
                        }
                        expect("ruleset");
                        tables.clear();
                    }
                    default -> throw new SimError("syntax error, unexpected " + word);
                }
            }
        }

        private void table() {
            String family = family(next());
            String name = name(next());
            String key = family + " " + name;
            Table table = tables.get(key);
            if (table == null) {
                table = new Table(family, name);
                tables.put(key, table);
                owned.put(table, true);
            }
            if (peek("{")) {
                next();
                if (!owned.containsKey(table)) {
                    table = table.copy();
                    tables.put(key, table);
                    owned.put(table, true);
                }
                tableBody(table);
            }
        }

        /** FAMILY TABLE of a chain command: the table, made this transaction's own (copied) so a failure drops it. */
        private Table ownedTable() {
            String key = family(next()) + " " + name(next());
            Table table = tables.get(key);
            if (table == null) {
                throw new SimError("Could not process rule: No such file or directory: table " + key);
            }
            if (!owned.containsKey(table)) {
                table = table.copy();
                tables.put(key, table);
                owned.put(table, true);
            }
            return table;
        }

        /** add element / delete element FAMILY TABLE SET { ... }: keys only for a delete from a map. */
        private void elements(boolean add) {
            String key = family(next()) + " " + name(next());
            Table table = tables.get(key);
            String setName = name(next());
            NamedSet set = table == null ? null : table.sets.get(setName);
            if (set == null) {
                throw new SimError("Could not process rule: No such file or directory: set " + key + " " + setName);
            }
            expect("{");
            boolean inPlace = !owned.containsKey(table);
            for (String element : braced()) {
                String itemKey = NamedSet.key(element);
                String existing = set.byKey.get(itemKey);
                if (add) {
                    checkElement(set, element);
                    if (existing != null && !existing.equals(element)) {
                        throw new SimError("Could not process rule: File exists: " + element);
                    }
                    set.byKey.put(itemKey, element);
                    if (inPlace) {
                        added.add(new Added(table, element));
                        undos.add(existing == null ? () -> set.byKey.remove(itemKey) : () -> set.byKey.put(itemKey, existing));
                    }
                } else if (existing == null) {
                    throw new SimError("Could not process rule: No such file or directory: element " + element);
                } else {
                    set.byKey.remove(itemKey);
                    if (inPlace) {
                        undos.add(() -> set.byKey.put(itemKey, existing));
                    }
                }
            }
        }

        /** The comma-separated items up to the closing brace. */
        private List<String> braced() {
            StringBuilder raw = new StringBuilder();
            for (String token = next(); !token.equals("}"); token = next()) {
                raw.append(token.equals(";") ? " " : token + " ");
            }
            List<String> items = new ArrayList<>();
            for (String element : raw.toString().split(",")) {
                String clean = element.trim().replaceAll("\\s+", " ");
                if (!clean.isEmpty()) {
                    items.add(clean);
                }
            }
            return items;
        }

        private void tableBody(Table table) {
            while (true) {
                String word = next();
                switch (word) {
                    case ";" -> {
                    }
                    case "}" -> {
                        return;
                    }
                    case "comment" -> {
                        String comment = next();
                        if (!comment.startsWith("\"")) {
                            throw new SimError("syntax error, comment needs a string");
                        }
                        table.comment = comment;
                    }
                    case "set", "map" -> {
                        String name = name(next());
                        expect("{");
                        NamedSet set = table.sets.computeIfAbsent(name, k -> new NamedSet(word));
                        setBody(set);
                    }
                    case "chain" -> {
                        String name = name(next());
                        expect("{");
                        chainBody(table.chains.computeIfAbsent(name, k -> new Chain()));
                    }
                    default -> throw new SimError("syntax error, unexpected " + word + " in table " + table.name);
                }
            }
        }

        private void setBody(NamedSet set) {
            while (true) {
                String word = next();
                switch (word) {
                    case ";" -> {
                    }
                    case "}" -> {
                        if (set.type.isEmpty()) {
                            throw new SimError(set.kind + " has no type");
                        }
                        return;
                    }
                    case "type" -> set.type = statement();
                    case "flags" -> set.flags = statement();
                    case "auto-merge" -> set.flags = set.flags + "; auto-merge";
                    case "elements" -> {
                        expect("=");
                        expect("{");
                        for (String element : braced()) {
                            checkElement(set, element);
                            set.byKey.put(NamedSet.key(element), element);
                        }
                    }
                    default -> throw new SimError("syntax error, unexpected " + word + " in a set");
                }
            }
        }

        private void chainBody(Chain chain) {
            while (true) {
                if (peek("}")) {
                    next();
                    return;
                }
                if (peek(";")) {
                    next();
                    continue;
                }
                String statement = rule();
                if (statement.startsWith("type ")) {
                    chain.header = statement + ";";
                } else if (statement.startsWith("policy ")) {
                    chain.header = (chain.header == null ? "" : chain.header + " ") + statement + ";";
                } else {
                    chain.rules.add(statement);
                }
            }
        }

        /** A rule: words up to the next ";" or "}", with anonymous sets ("{ a, b }") inside. */
        private String rule() {
            StringBuilder out = new StringBuilder();
            int depth = 0;
            while (at < tokens.size() && (depth > 0 || (!peek(";") && !peek("}")))) {
                String token = next();
                if (token.startsWith("\"")) {
                    // nft takes a string only as a rule's comment (at most 128 bytes), which it lists where it stood
                    if (!out.toString().endsWith(" comment") || depth > 0) {
                        throw new SimError("syntax error, unexpected string " + token);
                    }
                    if (token.length() - 2 > 128) {
                        throw new SimError("Error: Comment too long, 128 characters maximum allowed");
                    }
                }
                if (token.equals(";")) {
                    throw new SimError("syntax error, unexpected newline inside an anonymous set");
                }
                if (token.equals("}") && out.toString().endsWith("{")) {
                    throw new SimError("syntax error, an anonymous set needs elements");
                }
                depth += token.equals("{") ? 1 : token.equals("}") ? -1 : 0;
                out.append(out.length() == 0 ? "" : " ").append(token);
            }
            if (out.length() == 0) {
                throw new SimError("syntax error, empty statement");
            }
            return out.toString();
        }

        /** The words up to the next ";" or "}" (which is left for the caller). */
        private String statement() {
            StringBuilder out = new StringBuilder();
            while (at < tokens.size() && !peek(";") && !peek("}")) {
                String token = next();
                if (token.equals("{") || token.startsWith("\"")) {
                    throw new SimError("syntax error, unexpected " + token);
                }
                out.append(out.length() == 0 ? "" : " ").append(token);
            }
            if (out.length() == 0) {
                throw new SimError("syntax error, empty statement");
            }
            return out.toString();
        }

        private static void checkElement(NamedSet set, String element) {
            String[] keyValue = element.split(" : ", -1);
            String[] typeParts = set.type.split(" : ", -1);
            if (keyValue.length != typeParts.length) {
                throw new SimError("element " + element + " does not match " + set.type);
            }
            for (int i = 0; i < keyValue.length; i++) {
                String[] values = keyValue[i].split(" \\. ", -1);
                String[] types = typeParts[i].split(" \\. ", -1);
                if (values.length != types.length) {
                    throw new SimError("element " + element + " does not match " + set.type);
                }
                for (int j = 0; j < values.length; j++) {
                    checkValue(types[j].trim(), values[j].trim(), set.flags.contains("interval"));
                }
            }
        }

        private static void checkValue(String type, String value, boolean interval) {
            try {
                switch (type) {
                    case "ipv4_addr" -> {
                        if (value.contains("/") && interval) {
                            Ipv4Cidr.parseNetwork(value);
                        } else {
                            Ipv4Address.parse(value);
                        }
                    }
                    case "ifname" -> {
                        if (!value.matches("\"[A-Za-z0-9_.-]{1,15}\"")) {
                            throw new SimError("not an interface name: " + value);
                        }
                    }
                    case "ether_addr" -> {
                        if (!value.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
                            throw new SimError("not a MAC address: " + value);
                        }
                    }
                    case "inet_service" -> {
                        int port = Integer.parseInt(value);
                        if (port < 0 || port > 65535) {
                            throw new SimError("port out of range: " + value);
                        }
                    }
                    case "verdict" -> {
                        if (!value.matches("accept|drop|(jump|goto) [A-Za-z0-9_]+")) {
                            throw new SimError("not a verdict: " + value);
                        }
                    }
                    default -> throw new SimError("type " + type + " not simulated");
                }
            } catch (IllegalArgumentException e) {
                throw new SimError("bad " + type + " value " + value + ": " + e.getMessage());
            }
        }

        private static String family(String word) {
            if (!word.matches("ip|ip6|inet|arp|bridge|netdev")) {
                throw new SimError("unknown family " + word);
            }
            return word;
        }

        private static String name(String word) {
            if (!NAME.matcher(word).matches()) {
                throw new SimError("syntax error, bad identifier " + word);
            }
            return word;
        }

        private boolean peek(String token) {
            return at < tokens.size() && tokens.get(at).equals(token);
        }

        private String next() {
            if (at >= tokens.size()) {
                throw new SimError("syntax error, unexpected end of file");
            }
            return tokens.get(at++);
        }

        private void expect(String token) {
            String word = next();
            if (!word.equals(token)) {
                throw new SimError("syntax error, expected " + token + " but found " + word);
            }
        }
    }
}
