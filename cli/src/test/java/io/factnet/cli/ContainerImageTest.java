package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two container images Jib writes in the "image" profile (ADR 0041), read from their tarballs: what the
 * config says (entrypoint, user, ports, environment), how the layers split, that the node image shares the
 * base and the application with the other, their sizes; then, as root, each image's root file system unpacked
 * and its entrypoint run with chroot. Without the profile (no factnet.image.dir) the class is skipped.
 */
class ContainerImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";
    /**
     * Compressed size bounds, MB (the tarball is what `docker load` reads and a registry stores). factnet was 231:
     * Debian minbase with Debian's JRE, 114 (the JRE's module image alone is 129 MB uncompressed), and the
     * application's jars, 116 (already compressed; rocksdbjni alone is 68, with its natives for every platform).
     * The bound leaves about 10% for growth before someone has to look at what grew. factnet-node adds the tools'
     * layer, 4.
     */
    private static final long FACTNET_MAX_MB = 256;
    private static final long NODE_EXTRA_MAX_MB = 16;

    private static Path dir;
    private static Image factnet;
    private static Image node;
    private static final List<Path> unpacked = new ArrayList<>();

    /** One layer: its digest, compressed size and entries (path to tar entry). */
    record Layer(String diffId, String comment, long compressed, Map<String, TarArchiveEntry> entries) {
    }

    record Image(Path tar, List<String> tags, JsonNode config, List<Layer> layers) {
        JsonNode conf() {
            return config.get("config");
        }

        Layer layer(String jibComment) {
            return layers.stream().filter(l -> jibComment.equals(l.comment())).findFirst()
                    .orElseThrow(() -> new AssertionError(tar + " has no layer " + jibComment + ": " + layers.stream().map(Layer::comment).toList()));
        }

        List<Layer> baseLayers() {
            return layers.stream().filter(l -> l.comment() == null).toList();
        }
    }

    @BeforeAll
    static void read() throws IOException {
        String property = System.getProperty("factnet.image.dir");
        Assumptions.assumeTrue(property != null && !property.isBlank(),
                "the images are built in the \"image\" profile: ./mvnw -Pimage -pl cli -am verify -Dtest=ContainerImageTest");
        dir = Path.of(property);
        factnet = read(dir.resolve("factnet.tar"));
        node = read(dir.resolve("factnet-node.tar"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (Path root : unpacked) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Image read(Path tar) throws IOException {
        assertThat(tar).as("Jib's tarball").isRegularFile();
        Map<String, byte[]> small = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                sizes.put(e.getName(), e.getSize());
                if (e.getName().endsWith(".json")) {
                    small.put(e.getName(), in.readAllBytes());
                }
            }
        }
        JsonNode manifest = JSON.readTree(small.get("manifest.json")).get(0);
        JsonNode config = JSON.readTree(small.get(manifest.get("Config").asText()));
        List<String> tags = new ArrayList<>();
        manifest.get("RepoTags").forEach(t -> tags.add(t.asText()));
        List<String> comments = new ArrayList<>();
        for (JsonNode h : config.get("history")) {
            if (!h.path("empty_layer").asBoolean(false)) {
                comments.add("Jib".equals(h.path("author").asText()) ? h.path("comment").asText() : null);
            }
        }
        List<String> files = new ArrayList<>();
        manifest.get("Layers").forEach(l -> files.add(l.asText()));
        JsonNode diffIds = config.get("rootfs").get("diff_ids");
        assertThat(files).as(tar + ": a layer per diff id and per history entry").hasSize(diffIds.size()).hasSize(comments.size());
        Map<String, Map<String, TarArchiveEntry>> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (files.contains(e.getName())) {
                    entries.put(e.getName(), list(in));
                }
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            layers.add(new Layer(diffIds.get(i).asText(), comments.get(i), sizes.get(files.get(i)), entries.get(files.get(i))));
        }
        return new Image(tar, tags, config, layers);
    }

    /** The entries of one gzipped layer, read from the image tarball's stream. */
    private static Map<String, TarArchiveEntry> list(InputStream layer) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(nonClosing(layer), 1 << 16));
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            entries.put(normal(e.getName()), e);
        }
        return entries;
    }

    private static InputStream nonClosing(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
    }

    private static String normal(String name) {
        String n = name.startsWith("./") ? name.substring(2) : name.startsWith("/") ? name.substring(1) : name;
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    private static String composeDefault(String variable) throws IOException {
        Path root = dir;
        while (root != null && !Files.exists(root.resolve("docker/compose.yaml"))) {
            root = root.getParent();
        }
        assertThat(root).as("repository root").isNotNull();
        Matcher m = Pattern.compile("\\$\\{" + variable + ":-([^}]+)}").matcher(Files.readString(root.resolve("docker/compose.yaml")));
        assertThat(m.find()).as("docker/compose.yaml names ${" + variable + ":-...}").isTrue();
        return m.group(1);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void bothImagesRunTheLauncherAndAreTheImagesComposeNames() throws IOException {
        String tag = System.getProperty("factnet.image.tag", "0.1.0");
        assertThat(factnet.tags()).containsExactly("factnet:" + tag).containsExactly(composeDefault("FACTNET_IMAGE"));
        assertThat(node.tags()).containsExactly("factnet-node:" + tag).containsExactly(composeDefault("FACTNET_NODE_IMAGE"));
        for (Image image : List.of(factnet, node)) {
            JsonNode c = image.conf();
            assertThat(image.config().get("os").asText()).isEqualTo("linux");
            assertThat(image.config().get("architecture").asText()).isEqualTo("amd64");
            assertThat(strings(c.get("Entrypoint"))).as(image.tar() + " entrypoint").containsExactly("/usr/local/bin/factnet");
            assertThat(strings(c.get("Cmd"))).containsExactly("--help");
            assertThat(c.get("WorkingDir").asText()).isEqualTo("/var/lib/factnet");
            assertThat(strings(c.get("Env"))).contains("JAVA_HOME=" + JAVA_HOME, "FACTNET_HOME=/opt/factnet", "LANG=C.UTF-8")
                    .anyMatch(e -> e.startsWith("PATH=") && e.contains("/usr/local/bin") && e.contains("/usr/sbin"));
            // the launcher, executable, and the JRE it runs
            TarArchiveEntry launcher = image.layer("extra files").entries().get("usr/local/bin/factnet");
            assertThat(launcher).as("the launcher in the extra files layer").isNotNull();
            assertThat(launcher.getMode() & 0777).isEqualTo(0755);
            assertThat(image.baseLayers().get(0).entries()).containsKey(JAVA_HOME.substring(1) + "/bin/java");
        }
        // the controllers, the gateway, the metadata service and the cli: not root
        assertThat(factnet.conf().get("User").asText()).isEqualTo("10001:10001");
        List<String> ports = new ArrayList<>();
        factnet.conf().get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactlyInAnyOrder("8080/tcp", "8090/tcp", "8443/tcp", "8775/tcp");
        // the node agents: root, for the capabilities their tools need (docker/compose.yaml)
        assertThat(node.conf().get("User").asText()).isEqualTo("0:0");
        List<String> nodePorts = new ArrayList<>();
        node.conf().get("ExposedPorts").fieldNames().forEachRemaining(nodePorts::add);
        assertThat(nodePorts).contains("51820/udp", "51829/udp").allMatch(p -> p.endsWith("/udp"));
    }

    @Test
    void layersSplitLibrariesModulesResourcesAndClassesAndTheNodeSharesTheRest() {
        for (Image image : List.of(factnet, node)) {
            Map<String, TarArchiveEntry> libs = image.layer("dependencies").entries();
            assertThat(libs.keySet()).as("released libraries").anyMatch(p -> p.matches("opt/factnet/libs/kafka-clients-[0-9.]+\\.jar"))
                    .anyMatch(p -> p.matches("opt/factnet/libs/rocksdbjni-.*\\.jar"))
                    .noneMatch(p -> p.contains("factnet-") || p.endsWith("-SNAPSHOT.jar"));
            // factnet's other modules: "project dependencies" when built in the reactor (-am, as CI does),
            // "snapshot dependencies" when Maven took them from the local repository
            Layer modules = image.layers().stream().filter(l -> "project dependencies".equals(l.comment())).findFirst()
                    .orElseGet(() -> image.layer("snapshot dependencies"));
            assertThat(modules.entries().keySet()).as("factnet's other modules")
                    .anyMatch(p -> p.matches("opt/factnet/libs/factnet-streams-app-.*\\.jar"))
                    .anyMatch(p -> p.matches("opt/factnet/libs/factnet-node-consumers-.*\\.jar"))
                    .allMatch(p -> !p.endsWith(".jar") || p.contains("factnet-") || p.contains("SNAPSHOT"));
            assertThat(image.layer("classes").entries().keySet()).contains("opt/factnet/classes/io/factnet/cli/Factnet.class")
                    .allMatch(p -> p.startsWith("opt/factnet/classes") || p.equals("opt/factnet") || p.equals("opt"));
            assertThat(image.layer("resources").entries().keySet()).anyMatch(p -> p.startsWith("opt/factnet/resources/"))
                    .noneMatch(p -> p.endsWith(".class"));
            // the test classpath is nowhere in an image
            assertThat(image.layers()).allSatisfy(l -> assertThat(l.entries().keySet())
                    .noneMatch(p -> p.contains("junit") || p.contains("assertj") || p.contains("test-classes")));
        }
        // the node image: the controller's base layer, one layer of tools, the same application layers
        assertThat(factnet.baseLayers()).hasSize(1);
        assertThat(node.baseLayers()).hasSize(2);
        assertThat(node.baseLayers().get(0).diffId()).isEqualTo(factnet.baseLayers().get(0).diffId());
        Map<String, TarArchiveEntry> tools = node.baseLayers().get(1).entries();
        for (String tool : List.of("usr/sbin/nft", "usr/sbin/iptables", "usr/sbin/xtables-nft-multi", "usr/bin/ip", "usr/sbin/conntrack",
                "usr/sbin/dnsmasq", "usr/bin/dhcp_release", "usr/bin/wg", "usr/bin/wireguard-go")) {
            assertThat(tools).as("the node's tools layer").containsKey(tool);
        }
        assertThat(factnet.baseLayers().get(0).entries()).doesNotContainKeys("usr/sbin/nft", "usr/sbin/dnsmasq", "usr/bin/wg");
        assertThat(node.layers().subList(2, node.layers().size()).stream().map(Layer::diffId).toList())
                .as("application layers byte for byte the same in both images")
                .containsExactlyElementsOf(factnet.layers().subList(1, factnet.layers().size()).stream().map(Layer::diffId).toList());
        // nothing of the machine that built it (the runtime mounts its own)
        for (String file : List.of("etc/resolv.conf", "etc/hostname", "etc/machine-id")) {
            assertThat(factnet.baseLayers().get(0).entries().get(file).getSize()).as(file + " is empty").isZero();
            assertThat(node.baseLayers().get(1).entries()).as(file + " untouched by the tools' layer").doesNotContainKey(file);
        }
        // the state folders: the controllers' is factnet's, the agents' passable but not listable
        Map<String, TarArchiveEntry> base = factnet.baseLayers().get(0).entries();
        assertThat(base.get("var/lib/factnet/streams").getLongUserId()).isEqualTo(10001);
        assertThat(base.get("var/lib/factnet/node").getLongUserId()).isZero();
        assertThat(base.get("var/lib/factnet/node").getMode() & 0777).isEqualTo(0711);
    }

    /**
     * A second reader: skopeo (containers/image, the library behind {@code podman load}) takes each tarball as a
     * docker-archive and sees the same image. .ci/run installs it; skipped where it is missing.
     */
    @Test
    void skopeoReadsBothTarballsAsTheSameImages() throws Exception {
        Assumptions.assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "skopeo"))), "skopeo is not installed here (.ci/run installs Debian's)");
        for (Image image : List.of(factnet, node)) {
            Ran config = run(List.of("skopeo", "inspect", "--config", "docker-archive:" + image.tar()), 60);
            assertThat(config.exit()).as(config.out()).isZero();
            JsonNode seen = JSON.readTree(config.out());
            assertThat(seen.get("config").get("User").asText()).isEqualTo(image.conf().get("User").asText());
            assertThat(strings(seen.get("config").get("Entrypoint"))).isEqualTo(strings(image.conf().get("Entrypoint")));
            assertThat(strings(seen.get("rootfs").get("diff_ids"))).isEqualTo(image.layers().stream().map(Layer::diffId).toList());
        }
    }

    @Test
    void theImagesStayUnderTheirSizeBounds() throws IOException {
        long factnetBytes = Files.size(factnet.tar());
        long nodeBytes = Files.size(node.tar());
        long appBytes = factnet.layers().stream().filter(l -> l.comment() != null).mapToLong(Layer::compressed).sum();
        long toolsBytes = node.baseLayers().get(1).compressed();
        System.out.printf("images: factnet %d MB, factnet-node %d MB (base %d MB, tools %d MB, application %d MB)%n", factnetBytes >> 20,
                nodeBytes >> 20, factnet.baseLayers().get(0).compressed() >> 20, toolsBytes >> 20, appBytes >> 20);
        assertThat(factnetBytes).isLessThan(FACTNET_MAX_MB << 20);
        assertThat(nodeBytes - factnetBytes).isLessThan(NODE_EXTRA_MAX_MB << 20);
        assertThat(toolsBytes).isLessThan(NODE_EXTRA_MAX_MB << 20);
    }

    // ---- the root file systems, run without a container engine

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The image's layers unpacked in order by GNU tar (as root: owners and modes kept), whiteouts applied. */
    private static Path unpack(Image image) throws Exception {
        Path rootfs = Files.createTempDirectory("factnet-rootfs-");
        unpacked.add(rootfs);
        // the image's "/" as a runtime makes it (a temporary directory is 0700: uid 10001 could not enter it)
        Files.setPosixFilePermissions(rootfs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path layerFile = Files.createTempFile("factnet-layer-", ".tar.gz");
        try {
            for (Layer layer : image.layers()) {
                copyLayer(image, image.layers().indexOf(layer), layerFile);
                for (Map.Entry<String, TarArchiveEntry> e : layer.entries().entrySet()) {
                    String name = Path.of(e.getKey()).getFileName() == null ? "" : Path.of(e.getKey()).getFileName().toString();
                    if (name.equals(".wh..wh..opq")) {
                        // an opaque directory: what the layers below had in it is gone
                        Path opaque = rootfs.resolve(e.getKey()).getParent();
                        if (Files.isDirectory(opaque)) {
                            run(List.of("find", opaque.toString(), "-mindepth", "1", "-delete"), 30);
                        }
                    } else if (name.startsWith(".wh.")) {
                        Path gone = rootfs.resolve(e.getKey()).resolveSibling(name.substring(4));
                        run(List.of("rm", "-rf", gone.toString()), 30);
                    }
                }
                Ran ran = run(List.of("tar", "-xzf", layerFile.toString(), "-C", rootfs.toString(), "--exclude=*/.wh.*", "--exclude=.wh.*"), 120);
                assertThat(ran.exit()).as(ran.out()).isZero();
            }
        } finally {
            Files.deleteIfExists(layerFile);
        }
        // the devices every container runtime puts in /dev (dnsmasq reads /dev/urandom)
        for (String[] dev : List.of(new String[] {"null", "3"}, new String[] {"zero", "5"}, new String[] {"random", "8"},
                new String[] {"urandom", "9"})) {
            Ran made = run(List.of("mknod", "-m", "666", rootfs.resolve("dev").resolve(dev[0]).toString(), "c", "1", dev[1]), 10);
            assertThat(made.exit()).as(made.out()).isZero();
        }
        return rootfs;
    }

    private static void copyLayer(Image image, int index, Path to) throws IOException {
        String wanted;
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(image.tar())))) {
            JsonNode manifest = null;
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("manifest.json")) {
                    manifest = JSON.readTree(in.readAllBytes()).get(0);
                }
            }
            assertThat(manifest).isNotNull();
            wanted = manifest.get("Layers").get(index).asText();
        }
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(image.tar())))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(wanted)) {
                    Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    return;
                }
            }
        }
        throw new AssertionError("no layer " + wanted + " in " + image.tar());
    }

    record Ran(int exit, String out) {
    }

    private static Ran run(List<String> command, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * The entrypoint with the image's environment, in the unpacked tree as the image's user, with its own /proc
     * in a mount namespace of its own (nothing stays mounted).
     */
    private static Ran runIn(Image image, Path rootfs, String user, String... args) throws Exception {
        List<String> command = new ArrayList<>(strings(image.conf().get("Entrypoint")));
        command.addAll(List.of(args));
        return chroot(image, rootfs, user, command);
    }

    /** A command in the unpacked tree, with the image's environment (the JVM needs a /proc: it gets its own). */
    private static Ran chroot(Image image, Path rootfs, String user, List<String> inside) throws Exception {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--mount-proc=" + rootfs.resolve("proc"),
                "chroot", "--userspec=" + user, rootfs.toString(), "/usr/bin/env", "-i"));
        command.addAll(strings(image.conf().get("Env")));
        command.add("FACTNET_JAVA_OPTS=-Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        command.addAll(inside);
        return run(command, 120);
    }

    @Test
    void theEntrypointRunsInEachImagesRootFileSystem() throws Exception {
        Assumptions.assumeTrue(root(), "chroot needs root (CI runs the image profile as root)");
        Path controllerRoot = unpack(factnet);
        String user = factnet.conf().get("User").asText();
        Ran version = runIn(factnet, controllerRoot, user, "--version");
        assertThat(version.exit()).as(version.out()).isZero();
        assertThat(version.out()).contains("factnet 0.1.0");
        Ran help = runIn(factnet, controllerRoot, user, "request", "--help");
        assertThat(help.exit()).as(help.out()).isZero();
        assertThat(help.out()).contains("Usage: factnet request").contains("allocate-floating-ip");
        // the JRE is the image's own, and the uid is the image's factnet
        Ran who = chroot(factnet, controllerRoot, user, List.of("/bin/sh", "-c",
                "id -un; \"$JAVA_HOME/bin/java\" -version 2>&1 | head -1; test -w /var/lib/factnet/streams && echo writable"));
        assertThat(who.out()).as(who.out()).contains("factnet").contains("openjdk version \"17.").contains("writable");

        Path nodeRoot = unpack(node);
        Ran nodeVersion = runIn(node, nodeRoot, node.conf().get("User").asText(), "node", "--help");
        assertThat(nodeVersion.exit()).as(nodeVersion.out()).isZero();
        assertThat(nodeVersion.out()).contains("Usage: factnet node");
        Ran tools = chroot(node, nodeRoot, "0:0", List.of("/bin/sh", "-c",
                "nft --version && iptables --version && ip -V && conntrack --version && dnsmasq --version | head -1"
                        + " && command -v dhcp_release && command -v wg && command -v wireguard-go"));
        assertThat(tools.exit()).as(tools.out()).isZero();
        assertThat(tools.out()).contains("nftables").contains("iptables v1.8").contains("(nf_tables)").contains("Dnsmasq version")
                .contains("/usr/bin/dhcp_release").contains("/usr/bin/wg").contains("/usr/bin/wireguard-go");
    }
}
