package io.factnet.registry;

import org.apache.avro.Schema;

/**
 * A registry client in front of another that passes every call on: a subclass overrides what it changes (tests put a
 * registry that loses schemas or gives no answer in front of a working one).
 */
public abstract class ForwardingSchemaRegistryClient implements SchemaRegistryClient {
    private final SchemaRegistryClient delegate;

    protected ForwardingSchemaRegistryClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
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
    public Schema schemaById(int id) {
        return delegate.schemaById(id);
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
