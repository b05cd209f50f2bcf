package io.factnet.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * An in-memory registry for topology tests ({@code schema.registry.url=mock://<scope>}): one shared
 * registry per scope, so the serdes of a test and of the topology under test agree on ids.
 * Checks compatibility like the real one (default BACKWARD).
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private static final Map<String, InMemorySchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

    private final List<Schema> schemas = new ArrayList<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    private final Map<String, String> compatibilityBySubject = new HashMap<>();

    /** The registry of one {@code mock://} scope, made on first use. */
    public static InMemorySchemaRegistryClient scope(String scope) {
        return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistryClient());
    }

    /** Forgets a scope, so that the next test starts from an empty registry. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        for (int id : versions) {
            if (schemas.get(id - 1).equals(schema)) {
                return id;
            }
        }
        if (!isCompatible(subject, schema)) {
            throw new SchemaRegistryException(SchemaRegistryException.INCOMPATIBLE,
                    "schema is incompatible with the latest under " + subject);
        }
        int id = indexOf(schema);
        if (id < 0) {
            schemas.add(schema);
            id = schemas.size();
        }
        versions.add(id);
        return id;
    }

    @Override
    public synchronized int idOf(String subject, Schema schema) {
        for (int id : versionsBySubject.getOrDefault(subject, List.of())) {
            if (schemas.get(id - 1).equals(schema)) {
                return id;
            }
        }
        throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "schema not found under " + subject);
    }

    @Override
    public synchronized Schema schemaById(int id) {
        if (id < 1 || id > schemas.size()) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "schema id " + id + " not found");
        }
        return schemas.get(id - 1);
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        if (versions.isEmpty()) {
            return true;
        }
        String level = compatibilityBySubject.getOrDefault(subject, "BACKWARD");
        List<Schema> against = level.endsWith("_TRANSITIVE")
                ? versions.stream().map(id -> schemas.get(id - 1)).toList()
                : List.of(schemas.get(versions.get(versions.size() - 1) - 1));
        return against.stream().allMatch(old -> compatible(level, schema, old));
    }

    static boolean compatible(String level, Schema candidate, Schema old) {
        boolean backward = canRead(candidate, old);
        boolean forward = canRead(old, candidate);
        return switch (level.replace("_TRANSITIVE", "")) {
            case "NONE" -> true;
            case "BACKWARD" -> backward;
            case "FORWARD" -> forward;
            case "FULL" -> backward && forward;
            default -> throw new IllegalArgumentException("unknown compatibility level " + level);
        };
    }

    private static boolean canRead(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    @Override
    public synchronized void setCompatibility(String subject, String level) {
        compatible(level, Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.NULL)); // validates the level
        compatibilityBySubject.put(subject, level);
    }

    private int indexOf(Schema schema) {
        int index = schemas.indexOf(schema);
        return index < 0 ? -1 : index + 1;
    }
}
