package io.factnet.reliability.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.AppliedAck;
import io.factnet.model.Request;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.reliability.check.DeliveryCheck;
import io.factnet.reliability.load.Requests;
import io.factnet.reliability.read.TopicReader;
import io.factnet.reliability.send.SentLog;
import io.factnet.reliability.send.TransactionalSender;
import io.factnet.serde.AvroSerializer;
import io.factnet.serde.BadRecordException;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus itself, before any controller judges it: it is complete (the issue's families, every string
 * field of every command), its bad bytes are bad for the reason they claim, its big strings are made from
 * the seed and still fit a Kafka record, and the player delivers all of it between valid requests.
 */
class CorpusTest {
    static final String SCOPE = "corpus-test";
    static final SchemaRegistryClient REGISTRY = InMemorySchemaRegistryClient.scope(SCOPE);
    static final Corpus CORPUS = Corpus.fromResource();
    /** Stand-ins for what the setup learns from the controller's answers. */
    static final Map<String, String> LEARNED = Map.of("a.fixed", "10.0.0.5", "a.mac", "02:00:00:00:00:05",
            "a.floating", "203.0.113.9", "a.floating-gone", "198.51.100.7", "a.rule", "rule-1", "a.bridging", "node-1",
            "b.bridging", "node-2");

    @AfterAll
    static void dropRegistry() {
        InMemorySchemaRegistryClient.dropScope(SCOPE);
    }

    static Values values() {
        Map<String, String> refs = new HashMap<>(CORPUS.constants());
        refs.putAll(LEARNED);
        return new Values(refs, 99);
    }

    @Test
    void everyFamilyOfTheIssueIsThereAndEveryEntryBuildsAndSurvivesTheSerde() {
        assertThat(CORPUS.entries().stream().map(CorpusEntry::family).collect(Collectors.toSet())).contains(
                "unreadable records (dead letters)", "bad CIDRs", "VLANs and sizes out of range",
                "MACs of the wrong form, keys, names", "1 MB strings", "unknown project or pool",
                "another project's resources (NOT_FOUND, never reveal they exist)", "deleted things",
                "duplicate request ids with different content", HostileStrings.FAMILY);
        AvroSerializer<Request> serializer = new AvroSerializer<>(REGISTRY, true);
        RecordDecoder<Request> decoder = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(REGISTRY));
        for (CorpusEntry entry : CORPUS.entries()) {
            Request request = entry.request().build("id-" + entry.name(), values(), Clock.systemUTC());
            byte[] bytes = serializer.serialize(Topics.REQUESTS.name(), request);
            assertThat(decoder.decode(Topics.REQUESTS.name(), 0, 0, bytes)).as(entry.name()).isEqualTo(request);
        }
    }

    @Test
    void aCorpusWithAMistakeDoesNotLoad() {
        String unknownField = "constants: {}\nsetup: []\nbases: [{project: p, command: AllocateFloatingIp, fields: {pool: x}}]\n"
                + "entries: {f: [{name: e, project: p, command: AllocateFloatingIp, fields: {pol: x}, expect: {rejected: NOT_FOUND}}]}";
        assertThatThrownBy(() -> Corpus.read(new ByteArrayInputStream(unknownField.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("AllocateFloatingIp has no field pol");
        String unknownRef = unknownField.replace("pol: x", "pool: \"${ref:nowhere}\"");
        assertThatThrownBy(() -> Corpus.read(new ByteArrayInputStream(unknownRef.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("${ref:nowhere}");
        String unknownReason = unknownField.replace("pol: x", "pool: x").replace("NOT_FOUND", "NOPE");
        assertThatThrownBy(() -> Corpus.read(new ByteArrayInputStream(unknownReason.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("NOPE");
    }

    @Test
    void hostileStringsReachEveryStringFieldOfEveryCommandAndTheEnvelope() {
        Set<String> covered = new HashSet<>();
        for (CorpusEntry entry : CORPUS.family(HostileStrings.FAMILY)) {
            assertThat(entry.expect()).isEqualTo(Expectation.rejected(io.factnet.model.Reason.INVALID_ARGUMENT));
            Request request = entry.request().build(entry.requestId() != null ? entry.requestId() : "id", values(), Clock.systemUTC());
            if (entry.requestId() != null) {
                covered.add("Request.requestId");
            }
            if (HostileStrings.CONTROL.contains(request.getProject()) || HostileStrings.SHELL.contains(request.getProject())) {
                covered.add("Request.project");
            }
            for (Schema.Field field : entry.request().schema().getFields()) {
                Object value = ((org.apache.avro.specific.SpecificRecord) request.getCommand()).get(field.pos());
                String text = value instanceof List<?> list && !list.isEmpty() ? String.valueOf(list.get(0)) : String.valueOf(value);
                if (HostileStrings.CONTROL.contains(text)) {
                    covered.add(entry.request().command() + "." + field.name());
                }
            }
        }
        Set<String> stringFields = new HashSet<>(Set.of("Request.requestId", "Request.project"));
        CommandTemplate.commands().forEach((name, schema) -> {
            if (!name.equals(AppliedAck.class.getSimpleName())) { // an agent's ack has no result to judge
                schema.getFields().stream().filter(f -> HostileStrings.isStringField(f.schema())
                                && !HostileStrings.OPAQUE.contains(name + "." + f.name()))
                        .forEach(f -> stringFields.add(name + "." + f.name()));
            }
        });
        assertThat(covered).containsExactlyInAnyOrderElementsOf(stringFields);
    }

    @Test
    void unreadableRecordsFailToDecodeForTheReasonTheyClaim() throws CharacterCodingException {
        AvroSerializer<Request> requests = new AvroSerializer<>(REGISTRY, true);
        RecordDecoder<Request> decoder = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(REGISTRY));
        List<CorpusEntry> raw = CORPUS.entries().stream().filter(CorpusEntry::isRaw).toList();
        assertThat(raw.stream().map(CorpusEntry::raw).collect(Collectors.toSet())).containsExactlyInAnyOrder(RawKind.values());
        for (CorpusEntry entry : raw) {
            Request base = entry.request().build("raw-" + entry.name(), values(), Clock.systemUTC());
            String topic = entry.request().effectiveRoute().topic().name();
            byte[] value = entry.raw().value(base, topic, requests, new AvroSerializer<>(REGISTRY, true), new SplittableRandom(1));
            switch (entry.raw()) {
                case TOMBSTONE -> assertThat(value).isNull();
                case KEY_NOT_UTF8 -> {
                    assertThat(decoder.decode(topic, 0, 0, value)).isEqualTo(base);
                    assertThatThrownBy(() -> StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(entry.raw().key("p"))))
                            .isInstanceOf(CharacterCodingException.class);
                }
                default -> assertThatThrownBy(() -> decoder.decode(topic, 0, 0, value)).as(entry.name())
                        .isInstanceOf(BadRecordException.class).hasMessageContaining(entry.expect().errorText());
            }
        }
    }

    @Test
    void bigStringsAreMadeFromTheSeedAndStillFitOneKafkaRecord() {
        List<CorpusEntry> big = CORPUS.family("1 MB strings");
        assertThat(big).hasSizeGreaterThanOrEqualTo(8);
        AvroSerializer<Request> serializer = new AvroSerializer<>(REGISTRY, true);
        for (CorpusEntry entry : big) {
            Request once = entry.request().build("big", values(), Clock.systemUTC());
            Request again = entry.request().build("big", values(), Clock.systemUTC());
            assertThat(once.getCommand()).isEqualTo(again.getCommand());
            int length = serializer.serialize(Topics.REQUESTS.name(), once).length;
            // the broker's default message.max.bytes is 1048588; the string itself is 1,000,000 characters
            assertThat(length).as(entry.name()).isBetween(1_000_000, 1_048_588 - 200);
        }
    }

    @Test
    void thePlayerDeliversEveryEntryOnceBetweenValidRequests(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            TopicAdmin.ensureAll(kafka.bootstrapServers(), 4);
            SentLog sent = new SentLog();
            Map<String, String> refs = new HashMap<>(CORPUS.constants());
            refs.putAll(LEARNED);
            List<CorpusPlayer.Played> played;
            try (TransactionalSender sender = new TransactionalSender(kafka.bootstrapServers(), "corpus-test", Duration.ofMinutes(1))) {
                played = new CorpusPlayer(CORPUS, 7, REGISTRY, sent, Clock.systemUTC()).play(sender, refs);
            }
            List<CorpusPlayer.Played> bad = played.stream().filter(p -> !p.family().equals(CorpusPlayer.VALID_FAMILY)).toList();
            assertThat(bad.stream().map(CorpusPlayer.Played::name)).containsExactlyInAnyOrderElementsOf(
                    CORPUS.entries().stream().map(CorpusEntry::name).toList());
            for (int i = 0; i < played.size(); i++) {
                if (!played.get(i).family().equals(CorpusPlayer.VALID_FAMILY)) {
                    assertThat(played.get(i - 1).family()).as("a valid request before " + played.get(i).name())
                            .isEqualTo(CorpusPlayer.VALID_FAMILY);
                }
            }
            CorpusPlayer.Played wrongTopic = played.stream().filter(p -> p.name().equals("admin-command-on-project-topic")).findFirst().orElseThrow();
            assertThat(wrongTopic.sent().topic()).isEqualTo(Topics.REQUESTS.name());
            try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), Requests.topicNames())) {
                DeliveryCheck.Report delivery = DeliveryCheck.check(sent, reader.readToEnd(Duration.ofMinutes(1)));
                assertThat(delivery.exactlyOnce()).as(delivery.toString()).isTrue();
                assertThat(delivery.acknowledged()).isEqualTo(played.size());
            }
        }
    }

}
