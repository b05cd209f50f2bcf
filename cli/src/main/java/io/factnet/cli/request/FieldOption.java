package io.factnet.cli.request;

import io.factnet.cli.client.Names;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * One field of a command record as a command-line option: its type from the field's schema (a
 * nullable union is optional, a default is the schema's default, an array is a repeatable and
 * comma-separated option, a map takes KEY=VALUE), its help from the field's doc.
 */
final class FieldOption {
    private final Schema.Field field;
    private final Schema type;
    private final boolean nullable;
    private final SpecificData data;
    private final OptionSpec spec;

    private FieldOption(Schema.Field field, SpecificData data) {
        this.field = field;
        this.data = data;
        this.nullable = isNullable(field.schema());
        this.type = nonNull(field);
        this.spec = buildSpec();
    }

    static FieldOption of(Schema.Field field, SpecificData data) {
        return new FieldOption(field, data);
    }

    OptionSpec spec() {
        return spec;
    }

    Schema.Field field() {
        return field;
    }

    /** True when the option must be given: no default and not nullable. */
    boolean required() {
        return !field.hasDefaultValue() && !nullable;
    }

    /** The field's value for the record: the option's value, or the schema's default when it was not given. */
    Object value() {
        Object given = spec.getValue();
        if (given == null) {
            return field.hasDefaultValue() ? data.getDefaultValue(field) : null;
        }
        if (given instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        if (given instanceof Map<?, ?> map) {
            return new LinkedHashMap<>(map);
        }
        return given;
    }

    private OptionSpec buildSpec() {
        String label = "<" + Names.kebab(field.name()) + ">";
        OptionSpec.Builder builder = OptionSpec.builder(Names.option(field.name()))
                .paramLabel(label)
                .required(required())
                .description(description());
        switch (type.getType()) {
            case ARRAY -> builder.type(List.class).auxiliaryTypes(javaType(type.getElementType()))
                    .converters(converter(type.getElementType())).splitRegex(",");
            case MAP -> builder.type(Map.class).auxiliaryTypes(String.class, javaType(type.getValueType()))
                    .converters(value -> value, converter(type.getValueType()))
                    .paramLabel("<key>=" + label);
            case BOOLEAN -> builder.type(Boolean.class).arity("0..1").paramLabel("true|false");
            default -> builder.type(javaType(type)).converters(converter(type));
        }
        if (type.getType() == Schema.Type.ENUM) {
            builder.completionCandidates(type.getEnumSymbols());
        }
        return builder.build();
    }

    private String[] description() {
        List<String> parts = new ArrayList<>();
        if (field.doc() != null && !field.doc().isBlank()) {
            parts.add(field.doc().trim());
        }
        Schema symbolsOf = type.getType() == Schema.Type.ARRAY ? type.getElementType() : type;
        if (symbolsOf.getType() == Schema.Type.ENUM) {
            parts.add("One of: " + String.join(", ", symbolsOf.getEnumSymbols()) + ".");
        }
        if (type.getType() == Schema.Type.ARRAY) {
            parts.add("Repeatable or comma-separated.");
        }
        if (type.getType() == Schema.Type.MAP) {
            parts.add("Repeatable.");
        }
        String defaultText = defaultText();
        if (defaultText != null) {
            parts.add("Default: " + defaultText + ".");
        } else {
            parts.add(required() ? "Required." : "Optional.");
        }
        return new String[] {String.join(" ", parts)};
    }

    private String defaultText() {
        if (!field.hasDefaultValue()) {
            return null;
        }
        Object value = field.defaultVal();
        if (value == null || value == JsonProperties.NULL_VALUE
                || (value instanceof java.util.Collection<?> c && c.isEmpty())
                || (value instanceof Map<?, ?> m && m.isEmpty())) {
            return null;
        }
        return value instanceof CharSequence s && s.isEmpty() ? "\"\"" : String.valueOf(value);
    }

    private Class<?> javaType(Schema schema) {
        return switch (schema.getType()) {
            case STRING -> String.class;
            case INT -> Integer.class;
            case LONG -> isTimestamp(schema) ? Instant.class : Long.class;
            case FLOAT -> Float.class;
            case DOUBLE -> Double.class;
            case BOOLEAN -> Boolean.class;
            case ENUM -> data.getClass(schema);
            default -> throw unsupported(schema);
        };
    }

    private ITypeConverter<?> converter(Schema schema) {
        return switch (schema.getType()) {
            case STRING -> value -> value;
            case INT -> value -> number(value, "an int", Integer::valueOf);
            case LONG -> isTimestamp(schema) ? FieldOption::instant : value -> number(value, "a long", Long::valueOf);
            case FLOAT -> value -> number(value, "a number", Float::valueOf);
            case DOUBLE -> value -> number(value, "a number", Double::valueOf);
            case BOOLEAN -> FieldOption::bool;
            case ENUM -> value -> enumSymbol(schema, value);
            default -> throw unsupported(schema);
        };
    }

    private Object enumSymbol(Schema schema, String value) {
        for (String symbol : schema.getEnumSymbols()) {
            if (symbol.equalsIgnoreCase(value.trim())) {
                return data.createEnum(symbol, schema);
            }
        }
        throw new TypeConversionException("'" + value + "' is not one of " + String.join(", ", schema.getEnumSymbols()));
    }

    private static <T> T number(String value, String what, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not " + what);
        }
    }

    private static Boolean bool(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> Boolean.TRUE;
            case "false", "no" -> Boolean.FALSE;
            default -> throw new TypeConversionException("'" + value + "' is not true or false");
        };
    }

    private static Instant instant(String value) {
        try {
            return value.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(value)) : Instant.parse(value);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not an ISO-8601 instant or epoch milliseconds");
        }
    }

    private static boolean isTimestamp(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
    }

    private static boolean isNullable(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    /** The field's type without its null branch; a union of several non-null types has no option form. */
    private static Schema nonNull(Schema.Field field) {
        Schema schema = field.schema();
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw new IllegalStateException("field " + field.name() + " is a union of " + branches.size()
                    + " types; the CLI can express only T or [null, T]");
        }
        return branches.get(0);
    }

    private IllegalStateException unsupported(Schema schema) {
        return new IllegalStateException("field " + field.name() + " has type " + schema.getType()
                + ", which the CLI cannot express as an option");
    }
}
