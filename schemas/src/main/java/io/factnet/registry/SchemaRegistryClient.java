package io.factnet.registry;

import org.apache.avro.Schema;

/**
 * The calls a producer and a consumer need from a Confluent-compatible schema registry.
 * Implementations cache ids and schemas: a schema id never changes its schema.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers the schema under the subject (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The id of a schema already registered under the subject, without registering it. */
    int idOf(String subject, Schema schema);

    /** The schema with this global id. Throws {@link SchemaRegistryException} with code 40403 if unknown. */
    Schema schemaById(int id);

    /** Whether the schema may be registered under the subject by the subject's compatibility rule. */
    boolean isCompatible(String subject, Schema schema);

    /** Sets the compatibility level of one subject (NONE, BACKWARD, FORWARD, FULL, and their _TRANSITIVE forms). */
    void setCompatibility(String subject, String level);

    @Override
    default void close() {
    }
}
