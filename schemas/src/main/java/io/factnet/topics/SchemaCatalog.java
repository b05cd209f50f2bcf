package io.factnet.topics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/**
 * The value schemas of every topic, by full name. {@code main(dir)} writes them as .avsc files: that is
 * how a release's copies under schemas/src/test/resources/released/ are made.
 */
public final class SchemaCatalog {
    private SchemaCatalog() {
    }

    public static Map<String, Schema> topLevelSchemas() {
        Map<String, Schema> schemas = new TreeMap<>();
        for (Topic<String, ?> topic : Topics.all()) {
            Schema schema = SpecificData.get().getSchema(topic.valueType());
            schemas.put(schema.getFullName(), schema);
        }
        return schemas;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SchemaCatalog <directory>");
            System.exit(1);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Map.Entry<String, Schema> entry : topLevelSchemas().entrySet()) {
            Files.writeString(dir.resolve(entry.getKey() + ".avsc"), entry.getValue().toString(true) + "\n");
        }
    }
}
