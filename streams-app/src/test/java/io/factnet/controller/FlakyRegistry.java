package io.factnet.controller;

import io.factnet.registry.ForwardingSchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryException;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** A registry client whose lookups of one schema id fail as an unreachable registry's do, a given number of times. */
public final class FlakyRegistry extends ForwardingSchemaRegistryClient {
    private volatile int failingId = -1;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    public final AtomicInteger failed = new AtomicInteger();

    public FlakyRegistry(SchemaRegistryClient delegate) {
        super(delegate);
    }

    /** The next {@code times} lookups of the schema id fail (Integer.MAX_VALUE: until {@link #recover()}). */
    public void failLookupsOf(int id, int times) {
        failuresLeft.set(times);
        failingId = id;
    }

    public void recover() {
        failuresLeft.set(0);
    }

    @Override
    public Schema schemaById(int id) {
        if (id == failingId && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            throw new SchemaRegistryException("schema registry unreachable at http://registry:8081: java.net.ConnectException",
                    new ConnectException("Connection refused"));
        }
        return super.schemaById(id);
    }
}
