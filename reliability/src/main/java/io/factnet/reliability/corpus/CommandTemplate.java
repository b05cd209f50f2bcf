package io.factnet.reliability.corpus;

import io.factnet.model.Request;
import io.factnet.reliability.load.Requests;
import io.factnet.topics.RequestRoutes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * A request of the corpus as written: the project, the command's record name and its fields as plain
 * values (placeholders allowed), on its own route or on another on purpose. {@link #build} makes the
 * Avro request, with the schema's defaults for fields not given; a field name or value that does not
 * fit the schema fails at once, naming the entry.
 */
public record CommandTemplate(String project, String command, Map<String, Object> fields, RequestRoutes.Scope route) {

    private static final Map<String, Schema> COMMANDS = commandSchemas();

    public CommandTemplate {
        fields = fields == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        if (!COMMANDS.containsKey(command)) {
            throw new IllegalArgumentException("unknown command " + command + "; known: " + COMMANDS.keySet());
        }
        Set<String> known = new java.util.HashSet<>();
        COMMANDS.get(command).getFields().forEach(f -> known.add(f.name()));
        for (String field : fields.keySet()) {
            if (!known.contains(field)) {
                throw new IllegalArgumentException(command + " has no field " + field + "; it has " + known);
            }
        }
    }

    private static Map<String, Schema> commandSchemas() {
        Map<String, Schema> commands = new LinkedHashMap<>();
        for (Schema type : Request.getClassSchema().getField("command").schema().getTypes()) {
            commands.put(type.getName(), type);
        }
        return commands;
    }

    /** Every command of the request union, by record name. */
    public static Map<String, Schema> commands() {
        return COMMANDS;
    }

    public Schema schema() {
        return COMMANDS.get(command);
    }

    /** The same template with one field set to another value. */
    public CommandTemplate with(String field, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(fields);
        changed.put(field, value);
        return new CommandTemplate(project, command, changed, route);
    }

    public CommandTemplate withProject(String otherProject) {
        return new CommandTemplate(otherProject, command, fields, route);
    }

    /** The scope whose topic carries it: the one named, or the command's own. */
    public RequestRoutes.Scope effectiveRoute() {
        return route != null ? route : RequestRoutes.scopeOf(command);
    }

    public Request build(String requestId, Values values, Clock clock) {
        return Requests.envelope(values.resolve(requestId), values.resolve(project), command(values), clock);
    }

    public SpecificRecord command(Values values) {
        Schema schema = schema();
        SpecificRecord record = (SpecificRecord) SpecificData.get().newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
            Object value;
            if (fields.containsKey(field.name())) {
                value = convert(field.schema(), fields.get(field.name()), command + "." + field.name(), values);
            } else if (field.hasDefaultValue()) {
                value = SpecificData.get().deepCopy(field.schema(), SpecificData.get().getDefaultValue(field));
            } else {
                throw new IllegalArgumentException(command + "." + field.name() + " is required");
            }
            record.put(field.pos(), value);
        }
        return record;
    }

    private static Object convert(Schema schema, Object value, String where, Values values) {
        switch (schema.getType()) {
            case UNION -> {
                if (value == null) {
                    return null;
                }
                Schema branch = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
                return convert(branch, value, where, values);
            }
            case STRING -> {
                if (value == null || value instanceof Map || value instanceof List) {
                    throw new IllegalArgumentException(where + " must be a string: " + value);
                }
                return values.resolve(value.toString());
            }
            case INT -> {
                return (int) integral(value, where, Integer.MIN_VALUE, Integer.MAX_VALUE);
            }
            case LONG -> {
                return integral(value, where, Long.MIN_VALUE, Long.MAX_VALUE);
            }
            case BOOLEAN -> {
                if (!(value instanceof Boolean)) {
                    throw new IllegalArgumentException(where + " must be true or false: " + value);
                }
                return value;
            }
            case ENUM -> {
                if (!schema.getEnumSymbols().contains(String.valueOf(value))) {
                    throw new IllegalArgumentException(where + " must be one of " + schema.getEnumSymbols() + ": " + value);
                }
                return SpecificData.get().createEnum(String.valueOf(value), schema);
            }
            case ARRAY -> {
                if (!(value instanceof List<?> list)) {
                    throw new IllegalArgumentException(where + " must be a list: " + value);
                }
                List<Object> converted = new ArrayList<>();
                for (Object item : list) {
                    converted.add(convert(schema.getElementType(), item, where + "[]", values));
                }
                return converted;
            }
            default -> throw new IllegalArgumentException(where + ": fields of type " + schema.getType() + " are not supported here");
        }
    }

    private static long integral(Object value, String where, long min, long max) {
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
                && number.longValue() >= min && number.longValue() <= max) {
            return number.longValue();
        }
        throw new IllegalArgumentException(where + " must be an integer in " + min + ".." + max + ": " + value);
    }
}
