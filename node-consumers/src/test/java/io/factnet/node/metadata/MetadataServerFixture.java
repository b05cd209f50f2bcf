package io.factnet.node.metadata;

import io.factnet.http.HttpService;
import io.factnet.model.FixedIp;
import io.factnet.model.InstanceMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The metadata service's route and HTTP server in a process of its own, from facts in a file instead of Kafka: a Linux
 * test starts it inside a router namespace ({@code ip netns exec}), where the test JVM cannot listen.
 * <pre>
 * java ... MetadataServerFixture HOST PORT FACTS    (FACTS: one instance a line, fields base64, tab-separated:
 *                                                    address project instance hostname userData key...)
 * </pre>
 */
public final class MetadataServerFixture {
    private MetadataServerFixture() {
    }

    /** One line of the facts file. */
    public static String line(String address, String project, String instance, String hostname, String userData, List<String> keys) {
        List<String> fields = new ArrayList<>(List.of(address, project, instance, hostname, userData));
        fields.addAll(keys);
        return String.join("\t", fields.stream().map(f -> Base64.getEncoder().encodeToString(f.getBytes(StandardCharsets.UTF_8)))
                .toList()) + "\n";
    }

    public static void main(String[] args) throws Exception {
        MetadataFacts facts = new MetadataFacts();
        for (String line : Files.readAllLines(Path.of(args[2]))) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = new ArrayList<>();
            for (String field : line.split("\t")) {
                f.add(new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8));
            }
            facts.fixedIp(f.get(0), FixedIp.newBuilder().setAddress(f.get(0)).setProject(f.get(1)).setGroup("default")
                    .setInstance(f.get(2)).setMac("fa:16:3e:00:00:01").setHostname(f.get(3)).build());
            facts.metadata(f.get(0), InstanceMetadata.newBuilder().setAddress(f.get(0)).setProject(f.get(1)).setInstance(f.get(2))
                    .setUserData(f.get(4)).setSshKeys(f.subList(5, f.size())).setMeta(Map.of()).build());
        }
        HttpService http = HttpService.bind("metadata fixture", args[0], Integer.parseInt(args[1]), MetadataServer.LIMITS)
                .serve(new MetadataRoute(facts, () -> true, "nova"));
        Runtime.getRuntime().addShutdownHook(new Thread(http::close));
        new CountDownLatch(1).await();
    }
}
