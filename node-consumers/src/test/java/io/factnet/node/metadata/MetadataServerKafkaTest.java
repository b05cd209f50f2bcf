package io.factnet.node.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.embedded.EmbeddedKafka;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.InstanceMetadata;
import io.factnet.registry.InMemorySchemaRegistryClient;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.topics.Topic;
import io.factnet.topics.TopicAdmin;
import io.factnet.topics.Topics;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code factnet metadata}'s server on a real broker: it reads the facts from the state topics (503 until it has read
 * them), answers over TCP by the connection's source address (two loopback addresses here, 127.0.0.1 and 127.0.0.2, as
 * two instances), follows a release (tombstones), and answers 503 for an address whose latest record it cannot read.
 */
class MetadataServerKafkaTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String KEY1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne1111111111111111111111111111111111111111 one";

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static SchemaRegistryClient registry = InMemorySchemaRegistryClient.scope("metadata-server-kafka-test");

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureAll(kafka.bootstrapServers(), 2);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static <V extends SpecificRecord> void send(KafkaProducer<String, byte[]> producer, Topic<String, V> topic, String key, V value) {
        byte[] bytes = value == null ? null : topic.valueSerde(registry, true).serializer().serialize(topic.name(), value);
        producer.send(new ProducerRecord<>(topic.name(), key, bytes));
        producer.flush();
    }

    static FixedIp fixed(String address, String instance) {
        return FixedIp.newBuilder().setAddress(address).setProject("p1").setGroup("default").setInstance(instance)
                .setMac("fa:16:3e:00:00:01").setHostname(instance + "-host").build();
    }

    /** A GET over a socket bound to {@code from}: "status body". */
    static String get(String from, int port, String path) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String status = response.substring(9, 12);
            return status + " " + response.substring(response.indexOf("\r\n\r\n") + 4);
        } catch (java.io.IOException e) {
            return "no answer: " + e;
        }
    }

    static boolean eventually(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Test
    void readsTheFactsAndAnswersEachSourceItsOwn() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            send(producer, Topics.STATE_FIXED_IPS, "127.0.0.1", fixed("127.0.0.1", "vm1"));
            send(producer, Topics.STATE_FIXED_IPS, "127.0.0.2", fixed("127.0.0.2", "vm2"));
            send(producer, Topics.STATE_INSTANCE_METADATA, "127.0.0.1", InstanceMetadata.newBuilder().setAddress("127.0.0.1")
                    .setProject("p1").setInstance("vm1").setSshKeys(List.of(KEY1)).setUserData("user data of vm1").setMeta(Map.of()).build());
            send(producer, Topics.STATE_FLOATING_IPS, "203.0.113.9", FloatingIp.newBuilder().setAddress("203.0.113.9")
                    .setPool("public").setProject("p1").setFixedAddress("127.0.0.2").setInstance("vm2").build());

            try (MetadataServer server = MetadataServer.start(Map.of("bootstrap.servers", kafka.bootstrapServers()), registry,
                    "127.0.0.1", 0, "zone-a")) {
                int port = server.address().getPort();
                assertThat(eventually(WAIT, server::ready)).as("caught up").isTrue();
                assertThat(get("127.0.0.1", port, "/openstack/latest/user_data")).isEqualTo("200 user data of vm1");
                assertThat(get("127.0.0.1", port, "/latest/meta-data/public-keys/0/openssh-key")).isEqualTo("200 " + KEY1);
                assertThat(get("127.0.0.2", port, "/latest/meta-data/hostname")).as("the header says 127.0.0.1: ignored")
                        .isEqualTo("200 vm2-host");
                assertThat(get("127.0.0.2", port, "/latest/meta-data/public-ipv4")).isEqualTo("200 203.0.113.9");
                assertThat(get("127.0.0.2", port, "/openstack/latest/user_data")).startsWith("404");
                assertThat(get("127.0.0.2", port, "/latest/meta-data/placement/availability-zone")).isEqualTo("200 zone-a");
                assertThat(get("127.0.0.3", port, "/latest/meta-data/hostname")).as("no instance there").startsWith("404");

                // released: the fixed IP and its metadata tombstoned (as the controller writes them)
                send(producer, Topics.STATE_FIXED_IPS, "127.0.0.1", null);
                send(producer, Topics.STATE_INSTANCE_METADATA, "127.0.0.1", null);
                assertThat(eventually(WAIT, () -> get("127.0.0.1", port, "/openstack/latest/user_data").startsWith("404"))).isTrue();

                // a record that cannot be read: its address answers 503 (fail closed), the others are served
                producer.send(new ProducerRecord<>(Topics.STATE_INSTANCE_METADATA.name(), "127.0.0.2", new byte[] {0, 0, 0, 0, 99, 1, 2}));
                producer.flush();
                assertThat(eventually(WAIT, () -> get("127.0.0.2", port, "/latest/meta-data/hostname").startsWith("503"))).isTrue();
                send(producer, Topics.STATE_FIXED_IPS, "127.0.0.1", fixed("127.0.0.1", "vm3"));
                assertThat(eventually(WAIT, () -> get("127.0.0.1", port, "/latest/meta-data/hostname").equals("200 vm3-host"))).isTrue();
                send(producer, Topics.STATE_INSTANCE_METADATA, "127.0.0.2", null);
                assertThat(eventually(WAIT, () -> get("127.0.0.2", port, "/latest/meta-data/hostname").equals("200 vm2-host"))).isTrue();
                assertThat(server.crash()).isEmpty();
            }
        }
    }
}
