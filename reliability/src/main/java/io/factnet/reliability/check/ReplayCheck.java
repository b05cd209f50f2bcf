package io.factnet.reliability.check;

import io.factnet.cli.Factnet;
import io.factnet.node.routing.FloatingAddressJournal;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Check 4: a node's applied state equals a fresh {@code factnet replay} of its topics. The replay runs as the
 * operator runs it, the same command in this JVM, into a new folder. A render node's applied state is its
 * simulated kernel (nftables, links, routes, dnsmasq with the hosts it loaded, WireGuard): the node serves it
 * at {@code /kernel}, the replay writes the same canonical text to {@code kernel.txt}; they must be equal.
 * Its files are compared too, but only those that always hold the whole state (dnsmasq hosts files,
 * WireGuard configurations without their private key, floating-address mappings): a node's
 * {@code factnet.nft} is its last full script and {@code factnet-delta.nft} its last delta (the kernel holds
 * their sum), batch files are the last batch, and {@code commands.txt} logs every sync since it started.
 */
public final class ReplayCheck {
    private static final String PRIVATE_KEY_LINE = "PrivateKey = ";
    static final String KERNEL_FILE = "kernel.txt";
    static final String NODE_KERNEL_FILE = "node-kernel.txt";

    private ReplayCheck() {
    }

    /** A replay of one node: its exit code and output, and where the replay differs from the node. */
    public record Report(String nodeId, int exitCode, String output, List<String> differences) {
        public boolean equal() {
            return exitCode == 0 && differences.isEmpty();
        }

        @Override
        public String toString() {
            return nodeId + ": replay exit " + exitCode + ", differences " + Lists.head(differences)
                    + (exitCode == 0 ? "" : "; replay said:\n" + output);
        }
    }

    /**
     * Runs {@code factnet replay --node-id N --role R,... --to <to>} with the node's settings, then compares.
     *
     * @param nodeArgs   the node settings that shape a render, as {@code factnet node} got them
     *                   (e.g. {@code --physical-interface physnet1=eth1})
     * @param nodeKernel the node's simulated kernel, as it serves it at {@code /kernel}
     */
    public static Report replayAndCompare(String nodeId, String roles, List<String> nodeArgs, Path applied, String nodeKernel,
                                          Path to, String bootstrapServers, String registryUrl) {
        List<String> args = new ArrayList<>(List.of("replay", "--node-id", nodeId, "--role", roles, "--to", to.toString(),
                "--bootstrap-servers", bootstrapServers, "--schema-registry-url", registryUrl));
        args.addAll(nodeArgs);
        StringWriter output = new StringWriter();
        CommandLine cli = Factnet.commandLine();
        cli.setOut(new PrintWriter(output, true));
        cli.setErr(new PrintWriter(output, true));
        int exit = cli.execute(args.toArray(String[]::new));
        List<String> differences = new ArrayList<>();
        if (exit == 0) {
            write(to.resolve(NODE_KERNEL_FILE), nodeKernel); // next to the replay's, for a reader after a failure
            differences.addAll(kernelDifferences(nodeKernel, read(to.resolve(KERNEL_FILE))));
            differences.addAll(compare(applied, to));
        }
        return new Report(nodeId, exit, output.toString(), differences);
    }

    /** The lines only the node's kernel has, and those only the replay's has (at most 20 of each). */
    static List<String> kernelDifferences(String node, String replay) {
        List<String> differences = new ArrayList<>();
        Set<String> nodeLines = new java.util.LinkedHashSet<>(node.lines().toList());
        Set<String> replayLines = new java.util.LinkedHashSet<>(replay.lines().toList());
        nodeLines.stream().filter(l -> !replayLines.contains(l)).limit(20).forEach(l -> differences.add("kernel: only the node has " + l.strip()));
        replayLines.stream().filter(l -> !nodeLines.contains(l)).limit(20).forEach(l -> differences.add("kernel: only the replay has " + l.strip()));
        if (differences.isEmpty() && !node.equals(replay)) {
            List<String> n = node.lines().toList();
            List<String> r = replay.lines().toList();
            int at = 0;
            while (at < Math.min(n.size(), r.size()) && n.get(at).equals(r.get(at))) {
                at++;
            }
            differences.add("kernel: the same lines in another order or number, from line " + (at + 1) + ": the node has "
                    + (at < n.size() ? n.get(at).strip() : "nothing") + ", the replay " + (at < r.size() ? r.get(at).strip() : "nothing"));
        }
        return differences;
    }

    /** Where two render folders' state files differ: files only in one, and files whose content differs. */
    public static List<String> compare(Path applied, Path replayed) {
        Set<String> files = new TreeSet<>(stateFiles(applied));
        files.addAll(stateFiles(replayed));
        List<String> differences = new ArrayList<>();
        for (String file : files) {
            Path a = applied.resolve(file);
            Path r = replayed.resolve(file);
            if (!Files.exists(a)) {
                differences.add(file + ": only in the replay");
            } else if (!Files.exists(r)) {
                differences.add(file + ": only on the node");
            } else if (!meaning(file, read(a)).equals(meaning(file, read(r)))) {
                differences.add(file + ": differs");
            }
        }
        return differences;
    }

    /** The files that always hold the whole state of what they describe. */
    static boolean isStateFile(Path file) {
        String name = file.getFileName().toString();
        return name.equals("hosts") || name.equals("floating-addresses") || (name.endsWith(".conf") && !name.startsWith("."));
    }

    private static List<String> stateFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(ReplayCheck::isStateFile).map(p -> root.relativize(p).toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a state file says, for comparing: the floating addresses' file may be a journal of changes
     * (the agent appends to it) where the replay wrote it whole; keys never leave the node.
     */
    private static Object meaning(String file, String text) {
        return file.endsWith("floating-addresses") ? FloatingAddressJournal.read(text) : withoutPrivateKey(text);
    }

    private static String withoutPrivateKey(String text) {
        return text.lines().filter(line -> !line.startsWith(PRIVATE_KEY_LINE)).collect(Collectors.joining("\n"));
    }
}
