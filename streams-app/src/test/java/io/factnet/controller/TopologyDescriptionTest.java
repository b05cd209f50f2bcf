package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.StoreNames;
import io.factnet.registry.InMemorySchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * The topology's graph against the reviewed copy in src/test/resources/topology.txt, so that a change to
 * the graph (a node, a store, a topic) is seen in review. After a deliberate change, copy
 * streams-app/target/topology-actual.txt over the reference.
 */
class TopologyDescriptionTest {

    /** The description, with each processor's stores sorted (Kafka lists them from a hash set). */
    static String describe() {
        String text = FactnetTopology.build(ControllerConfig.from(props()), InMemorySchemaRegistryClient.scope("describe"))
                .describe().toString();
        Matcher stores = Pattern.compile("\\(stores: \\[([^\\]]*)\\]\\)").matcher(text);
        StringBuilder sorted = new StringBuilder();
        while (stores.find()) {
            List<String> names = stores.group(1).isEmpty() ? List.of() : Arrays.stream(stores.group(1).split(", ")).sorted().toList();
            stores.appendReplacement(sorted, Matcher.quoteReplacement("(stores: " + names + ")"));
        }
        return stores.appendTail(sorted).toString();
    }

    @Test
    void theGraphIsTheReviewedOne() throws IOException {
        String actual = describe();
        Files.writeString(Path.of("target", "topology-actual.txt"), actual);
        String expected;
        try (InputStream in = getClass().getResourceAsStream("/topology.txt")) {
            assertThat(in).as("src/test/resources/topology.txt").isNotNull();
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(actual).as("the topology changed: review target/topology-actual.txt and copy it to "
                + "src/test/resources/topology.txt").isEqualTo(expected);
    }

    @Test
    void twoSubTopologiesAndEveryStoreIsNamedAndAttached() {
        TopologyDescription description = FactnetTopology.build(ControllerConfig.from(props()),
                InMemorySchemaRegistryClient.scope("describe")).describe();
        assertThat(description.subtopologies()).hasSize(2);
        String text = description.toString();
        for (String store : StoreNames.PROJECT_STAGE) {
            assertThat(text).contains(store);
        }
        for (String store : StoreNames.POOL_STAGE) {
            assertThat(text).contains(store);
        }
        assertThat(text).doesNotContain("KSTREAM-").doesNotContain("KTABLE-");
    }

    static Properties props() {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "unused:9092");
        props.setProperty("schema.registry.url", "mock://describe");
        return props;
    }
}
