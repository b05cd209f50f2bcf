package io.factnet.node;

import io.factnet.registry.ForwardingSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A registry that can lose schemas (deleted by two unauthenticated calls, or lost with its data) or go
 * away (unreachable), in front of a working one: what an agent's reads see in those cases.
 */
public final class BrokenRegistry extends ForwardingSchemaRegistryClient {
    private final Set<Integer> lost = ConcurrentHashMap.newKeySet();
    private volatile boolean down;
    public final AtomicInteger lookups = new AtomicInteger();

    public BrokenRegistry(SchemaRegistryClient delegate) {
        super(delegate);
    }

    public BrokenRegistry lose(int id) {
        lost.add(id);
        return this;
    }

    public BrokenRegistry down(boolean value) {
        down = value;
        return this;
    }

    /** The lost schemas are back and the registry answers. */
    public BrokenRegistry heal() {
        lost.clear();
        down = false;
        return this;
    }

    @Override
    public Schema schemaById(int id) {
        lookups.incrementAndGet();
        if (down) {
            throw new SchemaRegistryException("schema registry unreachable at http://registry:8081: "
                    + new IOException("Connection refused"), new IOException("Connection refused"));
        }
        if (lost.contains(id)) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "GET /schemas/ids/" + id
                    + " failed (404, error 40403): Schema " + id + " not found");
        }
        return super.schemaById(id);
    }
}
