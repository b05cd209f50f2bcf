package io.factnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {
    private static final Pattern INSTANCE = Pattern.compile(
            "^ {4}(\\S+) +group (\\S+) +fixed (\\S+) +mac (\\S+)(?: +on (\\S+))?(?: +floating (\\S+))?$", Pattern.MULTILINE);
    private static final Pattern GUARDED = Pattern.compile("^node (\\S+) \\(bridging\\): .*guardedPorts (\\d+)\\)$", Pattern.MULTILINE);
    private static final Pattern PROJECT = Pattern.compile("^project (\\S+): vlan (\\d+), block (\\S+),", Pattern.MULTILINE);
    private static final Pattern RULESET = Pattern.compile("nftables ruleset \\(the kernel's, after every apply\\): (\\S+)");
    private static final Pattern HOSTS = Pattern.compile("dnsmasq hosts file \\((\\d+) hosts\\): (\\S+)");

    @TempDir
    Path dir;

    record Instance(String name, String group, String fixed, String mac, String host, String floating) {
    }

    /** The whole demo, as a user runs it: its summary must match what the nodes rendered. */
    @Test
    void demoBuildsThreeProjectsAndTheNodesRenderWhatTheSummarySays() throws IOException {
        CommandLine cli = Factnet.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("demo", "--dir", dir.resolve("demo").toString());

        String printed = out.toString();
        assertThat(exit).as(printed + err).isZero();
        assertThat(printed).containsPattern("bootstrap servers: +127\\.0\\.0\\.1:\\d+");
        assertThat(printed).containsPattern("schema registry url: +http://127\\.0\\.0\\.1:\\d+/apis/ccompat/v7");
        assertThat(printed).contains("3 projects, 50 instances, 6 floating IPs (6 associated), 1 VPN");
        assertThat(printed).doesNotContain("REJECTED");
        assertThat(printed).containsPattern("web console: +http://127\\.0\\.0\\.1:\\d+/console/");
        assertThat(printed).containsPattern("controller: .*HTTP API http://127\\.0\\.0\\.1:\\d+")
                .containsPattern("GET http://127\\.0\\.0\\.1:\\d+/v1/projects: acme \\(20 fixed IPs\\), globex \\(18 fixed IPs\\),"
                        + " initech \\(12 fixed IPs\\)");

        List<String> projects = PROJECT.matcher(printed).results().map(m -> m.group(1)).toList();
        assertThat(projects).containsExactly("acme", "globex", "initech");
        assertThat(PROJECT.matcher(printed).results().map(m -> m.group(2)).distinct()).as("a VLAN each").hasSize(3);
        assertThat(PROJECT.matcher(printed).results().map(m -> m.group(3)).distinct()).as("a block each").hasSize(3);

        List<Instance> instances = INSTANCE.matcher(printed).results()
                .map(m -> new Instance(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6))).toList();
        assertThat(instances).hasSize(50);
        // the instances are on the two compute hosts in turn, and each host guards the ports it has (ADR 0035)
        Map<String, Long> perHost = instances.stream().collect(Collectors.groupingBy(i -> String.valueOf(i.host()), TreeMap::new, Collectors.counting()));
        assertThat(perHost).containsOnlyKeys("compute-1", "compute-2");
        Map<String, Long> guarded = new TreeMap<>();
        GUARDED.matcher(printed).results().forEach(m -> guarded.put(m.group(1), Long.parseLong(m.group(2))));
        guarded.values().removeIf(n -> n == 0);
        assertThat(guarded).isEqualTo(perHost);
        assertThat(instances.stream().map(Instance::fixed).distinct()).as("fixed addresses are unique").hasSize(50);
        List<Instance> withFloating = instances.stream().filter(i -> i.floating() != null).toList();
        assertThat(withFloating).hasSize(6);
        assertThat(withFloating.stream().map(Instance::floating).distinct()).hasSize(6);
        assertThat(printed).containsPattern("peer \\S+=: 10\\.20\\.\\d+\\.\\d+");

        // the routing node's kernel holds a NAT pair for every floating IP of the summary
        Path ruleset = Path.of(find(RULESET, printed).group(1));
        String rules = Files.readString(ruleset);
        for (Instance instance : withFloating) {
            assertThat(rules).contains(instance.floating() + " : " + instance.fixed(), instance.fixed() + " : " + instance.floating());
        }
        // the dnsmasq hosts files together hold every instance of the summary, one line each
        Map<String, Integer> hostsFiles = new LinkedHashMap<>();
        HOSTS.matcher(printed).results().forEach(m -> hostsFiles.put(m.group(2), Integer.parseInt(m.group(1))));
        assertThat(hostsFiles).hasSize(3);
        List<String> hostLines = new ArrayList<>();
        for (Map.Entry<String, Integer> file : hostsFiles.entrySet()) {
            List<String> lines = Files.readAllLines(Path.of(file.getKey())).stream().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(file.getKey()).hasSize(file.getValue());
            hostLines.addAll(lines);
        }
        assertThat(hostLines).containsExactlyInAnyOrderElementsOf(
                instances.stream().map(i -> i.mac() + "," + i.name() + "," + i.fixed()).toList());
    }

    @Test
    void aFolderThatIsNotEmptyIsOneLineAndNonZero() throws IOException {
        Files.writeString(dir.resolve("something"), "x");
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("demo", "--dir", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("is not empty").doesNotContain("Exception").hasLineCount(1);
    }

    @Test
    void unknownCommandIsOneLineAndNonZero() {
        CommandLine cli = Factnet.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("no-such-command")).isNotZero();
        assertThat(err.toString()).contains("no-such-command").doesNotContain("Exception");
    }

    private static Matcher find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as(pattern.pattern()).isTrue();
        return matcher;
    }
}
