package io.factnet.registry;

import java.util.Map;

/** Makes the client a config asks for: in memory for {@code mock://scope}, HTTP otherwise. */
public final class SchemaRegistryClients {
    private SchemaRegistryClients() {
    }

    public static SchemaRegistryClient create(SchemaRegistryConfig config) {
        if (config.inMemory()) {
            return InMemorySchemaRegistryClient.scope(config.urls().get(0).substring(SchemaRegistryConfig.MOCK_PREFIX.length()));
        }
        return new HttpSchemaRegistryClient(config);
    }

    public static SchemaRegistryClient create(Map<String, ?> props) {
        return create(SchemaRegistryConfig.from(props));
    }
}
