package io.factnet.controller;

import io.factnet.registry.SchemaRegistryClient;
import io.factnet.registry.SchemaRegistryException;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** A registry client whose lookups of one schema id fail as an unreachable registry's do, a given number of times. */
final class FlakyRegistry implements SchemaRegistryClient {
    private final SchemaRegistryClient delegate;
    private volatile int failingId = -1;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    FlakyRegistry(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    /** The next {@code times} lookups of the schema id fail (Integer.MAX_VALUE: until {@link #recover()}). */
    void failLookupsOf(int id, int times) {
        failuresLeft.set(times);
        failingId = id;
    }

    void recover() {
        failuresLeft.set(0);
    }

    @Override
    public Schema schemaById(int id) {
        if (id == failingId && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            throw new SchemaRegistryException("schema registry unreachable at http://registry:8081: java.net.ConnectException",
                    new ConnectException("Connection refused"));
        }
        return delegate.schemaById(id);
    }

    @Override
    public int register(String subject, Schema schema) {
        return delegate.register(subject, schema);
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return delegate.idOf(subject, schema);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        return delegate.isCompatible(subject, schema);
    }

    @Override
    public void setCompatibility(String subject, String level) {
        delegate.setCompatibility(subject, level);
    }
}
