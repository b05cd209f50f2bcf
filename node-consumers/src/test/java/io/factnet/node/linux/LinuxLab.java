package io.factnet.node.linux;

import io.factnet.node.exec.Command;
import io.factnet.node.exec.CommandResult;
import io.factnet.node.exec.ProcessCommandRunner;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces for Linux tests: uniquely named per run (other engineers run tests on the same
 * machine), and all cleaned up on close, also after a failure: the processes a test started, every
 * process left inside its namespaces (dnsmasq, wireguard-go), then the namespaces.
 */
public final class LinuxLab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LinuxLab.class);
    static final List<String> TOOLS = List.of("ip", "bridge", "nft", "iptables-restore", "iptables-save", "dnsmasq", "wg",
            "wireguard-go", "conntrack", "udhcpc", "ping", "nc", "sysctl", "kill", "dhcp_release");

    public final String id = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt()});
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> netnsFolders = new ArrayList<>();
    /** Where each lab notes which JVM owns its namespaces, so that a later lab removes those of a JVM that was killed. */
    static final Path OWNERS = Path.of(System.getProperty("java.io.tmpdir"), "factnet-linux-labs");
    private final Thread shutdownHook = new Thread(this::close, "linux-lab-cleanup");
    private boolean closed;

    public LinuxLab() {
        sweepLabsOfDeadJvms();
        try {
            Files.createDirectories(OWNERS);
            Files.writeString(OWNERS.resolve(id), Long.toString(ProcessHandle.current().pid()));
        } catch (java.io.IOException e) {
            log.warn("could not note the owner of lab {}: {}", id, e.getMessage());
        }
        // A test JVM ended by a timeout or a signal runs no @AfterAll: its hooks still run.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Deletes the namespaces {@code fn-<role>-<id>} of labs whose JVM is gone (killed before it could clean up), and
     * only those: other runs on the machine keep theirs.
     */
    private void sweepLabsOfDeadJvms() {
        if (!Files.isDirectory(OWNERS)) {
            return;
        }
        try (Stream<Path> owners = Files.list(OWNERS)) {
            for (Path owner : owners.toList()) {
                String text = Files.readString(owner).strip();
                if (!text.matches("[0-9]+") || ProcessHandle.of(Long.parseLong(text)).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                String suffix = "-" + owner.getFileName();
                tryRun(null, "ip", "netns", "list").stdout().lines().map(line -> line.split(" ")[0])
                        .filter(ns -> ns.startsWith("fn-") && ns.endsWith(suffix)).forEach(ns -> {
                            pidsIn(ns).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                            tryRun(null, "ip", "netns", "del", ns);
                            log.info("deleted namespace {} of a test JVM that is gone", ns);
                        });
                Files.deleteIfExists(owner);
            }
        } catch (java.io.IOException e) {
            log.warn("could not sweep the namespaces of ended labs: {}", e.getMessage());
        }
    }

    /** Why Linux tests cannot run here, or empty when they can. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root (network namespaces)");
        }
        List<String> missing = TOOLS.stream().filter(tool -> Stream.of(System.getenv("PATH").split(":"))
                .noneMatch(dir -> Files.isExecutable(Path.of(dir, tool)))).toList();
        return missing.isEmpty() ? Optional.empty() : Optional.of("missing tools: " + missing);
    }

    /** A new namespace named fn-&lt;role&gt;-&lt;run id&gt;, loopback up. */
    public String namespace(String role) {
        String name = "fn-" + role + "-" + id;
        run(null, "ip", "netns", "add", name);
        namespaces.add(name);
        run(name, "ip", "link", "set", "lo", "up");
        return name;
    }

    /**
     * Deletes a namespace of this lab now (a VM that goes away): its processes are stopped first, and the kernel
     * destroys its interfaces, a veth's peer outside it too.
     */
    public void deleteNamespace(String name) {
        if (!namespaces.remove(name)) {
            throw new IllegalArgumentException("not a namespace of this lab: " + name);
        }
        pidsIn(name).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        run(null, "ip", "netns", "del", name);
    }

    /** A veth pair made inside {@code a} with its peer moved to {@code b}. */
    public void veth(String a, String nameA, String b, String nameB) {
        run(a, "ip", "link", "add", nameA, "type", "veth", "peer", "name", nameB, "netns", b);
    }

    /**
     * Attaches a VM namespace to a bridge as a compute driver does (ADR 0035): a veth whose host side, in {@code host}, is
     * named {@code port} (the controller's {@link io.factnet.topics.PortNames#of}, which it puts into InstancePort.port
     * and the bridging agent guards) and is a port of {@code bridge}; its other side is the VM's eth0 with that MAC, up.
     * IPv6 is off in the VM: its router solicitations would only be noise in the port guard's drop counters.
     * Returns the port's name.
     */
    public String attachVm(String host, String vm, String bridge, String mac, String port) {
        veth(host, port, vm, "eth0");
        run(vm, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.disable_ipv6=1");
        run(vm, "ip", "link", "set", "eth0", "address", mac, "up");
        run(host, "ip", "link", "set", port, "master", bridge, "up");
        return port;
    }

    /** Gives the device in the namespace this address and brings it up. */
    public void addressUp(String netns, String device, String cidr) {
        run(netns, "ip", "address", "add", cidr, "dev", device);
        run(netns, "ip", "link", "set", device, "up");
    }

    public CommandResult run(String netns, String... argv) {
        return tryRun(netns, argv).orThrow();
    }

    public CommandResult tryRun(String netns, String... argv) {
        return new ProcessCommandRunner(Optional.ofNullable(netns), Duration.ofSeconds(30)).run(Command.of(argv));
    }

    /** A background process inside a namespace, stopped by {@link #close}. */
    Process spawn(String netns, String... argv) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        command.addAll(List.of(argv));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(process);
        return process;
    }

    /** A background process inside a namespace with its output (stdout and stderr) appended to {@code log}. */
    Process spawnLogged(String netns, java.nio.file.Path log, String... argv) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        command.addAll(List.of(argv));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(process);
        return process;
    }

    /**
     * The resolver configuration of a namespace: {@code ip netns exec} mounts /etc/netns/&lt;ns&gt;/resolv.conf over
     * /etc/resolv.conf for the commands it runs there, so the machine's own is never touched. Removed by {@link #close}.
     */
    public void resolvConf(String netns, String text) throws java.io.IOException {
        Path folder = Path.of("/etc/netns", netns);
        Files.createDirectories(folder);
        netnsFolders.add(folder);
        Files.writeString(folder.resolve("resolv.conf"), text);
    }

    /** Polls until the condition holds or the deadline passes (no fixed sleeps). */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The pids of every process whose network namespace is {@code netns}. */
    public List<Long> pidsIn(String netns) {
        CommandResult result = tryRun(null, "ip", "netns", "pids", netns);
        return result.stdout().lines().filter(l -> l.matches("[0-9]+")).map(Long::parseLong).toList();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
        }
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : namespaces) {
            // Daemons the agents started in our namespaces (dnsmasq, wireguard-go): ours to stop.
            List<Long> pids = pidsIn(ns);
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
            eventually(Duration.ofSeconds(5), () -> pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            netnsFolders.stream().filter(folder -> folder.getFileName().toString().equals(ns)).forEach(folder -> {
                try {
                    Files.deleteIfExists(folder.resolve("resolv.conf"));
                    Files.deleteIfExists(folder);
                } catch (java.io.IOException e) {
                    log.warn("could not remove {}: {}", folder, e.getMessage());
                }
            });
            CommandResult deleted = tryRun(null, "ip", "netns", "del", ns);
            if (!deleted.ok()) {
                log.warn("could not delete namespace {}: {}", ns, deleted.stderr().strip());
            }
        }
        try {
            Files.deleteIfExists(OWNERS.resolve(id));
        } catch (java.io.IOException e) {
            log.warn("could not remove the owner note of lab {}: {}", id, e.getMessage());
        }
    }
}
