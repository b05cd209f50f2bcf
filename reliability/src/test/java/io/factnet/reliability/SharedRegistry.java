package io.factnet.reliability;

import io.factnet.embedded.ApicurioRegistry;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClients;
import java.util.Map;

/**
 * One Apicurio Registry for all chaos scenarios of this test JVM, started from the test JVM (not as
 * the broker's child: a broker killed with -9 would orphan it, and schemas must outlive broker crashes).
 * It stops with the JVM (ApicurioRegistry's shutdown hook).
 */
public final class SharedRegistry {
    private static ApicurioRegistry registry;

    private SharedRegistry() {
    }

    public static synchronized String url() {
        if (registry == null) {
            registry = ApicurioRegistry.start(ChaosSettings.fromSystemProperties().dir().resolve("registry").toAbsolutePath());
        }
        return registry.confluentUrl();
    }

    public static SchemaRegistryClient client() {
        return SchemaRegistryClients.create(Map.of("schema.registry.url", url()));
    }
}
