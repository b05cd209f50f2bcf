package io.factnet.node.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.factnet.http.Call;
import io.factnet.http.HttpService;
import io.factnet.http.Reply;
import io.factnet.model.FixedIp;
import io.factnet.model.FloatingIp;
import io.factnet.model.InstanceMetadata;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The metadata service's answers from in-memory facts (no Kafka): by the TCP peer's address only (ADR 0033). */
class MetadataRouteTest {
    static final String KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA alice";
    static final String KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB bob";

    MetadataFacts facts;
    AtomicBoolean ready;
    MetadataRoute route;

    static FixedIp fixed(String address, String project, String instance, String hostname) {
        return FixedIp.newBuilder().setAddress(address).setProject(project).setGroup("default").setInstance(instance)
                .setMac("fa:16:3e:00:00:01").setHostname(hostname).build();
    }

    static InstanceMetadata metadata(String address, String project, String instance, List<String> keys, String userData,
                                     Map<String, String> meta) {
        return InstanceMetadata.newBuilder().setAddress(address).setProject(project).setInstance(instance).setSshKeys(keys)
                .setUserData(userData).setMeta(meta).build();
    }

    @BeforeEach
    void facts() {
        facts = new MetadataFacts();
        facts.fixedIp("10.0.0.5", fixed("10.0.0.5", "p1", "vm1", "web-1"));
        facts.fixedIp("10.0.0.6", fixed("10.0.0.6", "p1", "vm2", "web-2"));
        facts.metadata("10.0.0.5", metadata("10.0.0.5", "p1", "vm1", List.of(KEY_A), "#cloud-config\nhostname: web-1\n",
                Map.of("role", "web")));
        facts.metadata("10.0.0.6", metadata("10.0.0.6", "p1", "vm2", List.of(KEY_B), "secret of vm2", Map.of()));
        facts.floatingIp("203.0.113.7", FloatingIp.newBuilder().setAddress("203.0.113.7").setPool("public").setProject("p1")
                .setFixedAddress("10.0.0.5").setInstance("vm1").build());
        ready = new AtomicBoolean(true);
        route = new MetadataRoute(facts, ready::get, "nova");
    }

    Reply get(String peer, String path) {
        return route.answer(new Call("GET", path, null, Map.of(), peer));
    }

    static String body(Reply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(Reply reply) throws Exception {
        return Reply.MAPPER.readTree(reply.body());
    }

    @Test
    void openStackMetaDataIsThePeersOwn() throws Exception {
        Reply reply = get("10.0.0.5", "/openstack/latest/meta_data.json");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode meta = json(reply);
        assertThat(meta.get("name").asText()).isEqualTo("vm1");
        assertThat(meta.get("hostname").asText()).isEqualTo("web-1");
        assertThat(meta.get("uuid").asText()).isEqualTo(MetadataRoute.uuid(fixed("10.0.0.5", "p1", "vm1", "web-1")))
                .isNotEqualTo(json(get("10.0.0.6", "/openstack/latest/meta_data.json")).get("uuid").asText());
        assertThat(meta.get("public_keys").get("key-0").asText()).isEqualTo(KEY_A);
        assertThat(meta.get("keys").get(0).get("data").asText()).isEqualTo(KEY_A);
        assertThat(meta.get("meta").get("role").asText()).isEqualTo("web");
        assertThat(meta.get("availability_zone").asText()).isEqualTo("nova");
        assertThat(body(get("10.0.0.5", "/openstack/latest/user_data"))).isEqualTo("#cloud-config\nhostname: web-1\n");
        assertThat(body(get("10.0.0.5", "/openstack/2012-08-10/user_data"))).startsWith("#cloud-config");
        assertThat(body(get("10.0.0.5", "/openstack"))).contains("latest").contains("2012-08-10");
        assertThat(body(get("10.0.0.5", "/openstack/latest/"))).isEqualTo("meta_data.json\nuser_data");
        assertThat(json(get("10.0.0.6", "/openstack/latest/meta_data.json")).get("public_keys").get("key-0").asText())
                .isEqualTo(KEY_B);
        assertThat(body(get("10.0.0.6", "/openstack/latest/user_data"))).isEqualTo("secret of vm2");
    }

    @Test
    void ec2PathsAnswerTheSame() {
        assertThat(body(get("10.0.0.5", "/latest/meta-data/"))).isEqualTo(
                "ami-launch-index\nhostname\ninstance-id\nlocal-hostname\nlocal-ipv4\nplacement/\npublic-ipv4\npublic-keys/");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/hostname"))).isEqualTo("web-1");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/local-ipv4"))).isEqualTo("10.0.0.5");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/public-ipv4"))).isEqualTo("203.0.113.7");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/instance-id"))).matches("i-[0-9a-f]{8}");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/public-keys/"))).isEqualTo("0=key-0");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/public-keys/0/"))).isEqualTo("openssh-key");
        assertThat(body(get("10.0.0.5", "/latest/meta-data/public-keys/0/openssh-key"))).isEqualTo(KEY_A);
        assertThat(body(get("10.0.0.5", "/2009-04-04/meta-data/placement/availability-zone"))).isEqualTo("nova");
        assertThat(body(get("10.0.0.5", "/latest/user-data"))).startsWith("#cloud-config");
        assertThat(get("10.0.0.6", "/latest/meta-data/public-ipv4").status()).as("no floating IP").isEqualTo(404);
        assertThat(body(get("10.0.0.6", "/latest/meta-data/"))).doesNotContain("public-ipv4");
        assertThat(get("10.0.0.5", "/latest/meta-data/public-keys/1/openssh-key").status()).isEqualTo(404);
    }

    @Test
    void unknownSourcesWrongPathsAndMethodsAreRefused() {
        assertThat(get("10.0.0.99", "/openstack/latest/meta_data.json").status()).as("no instance there").isEqualTo(404);
        assertThat(get(null, "/openstack/latest/meta_data.json").status()).isEqualTo(404);
        assertThat(get("10.0.0.5", "/openstack/latest/vendor_data.json").status()).isEqualTo(404);
        assertThat(get("10.0.0.5", "/openstack/1999-01-01/meta_data.json").status()).isEqualTo(404);
        assertThat(get("10.0.0.5", "/latest/meta-data/hostname/x").status()).isEqualTo(404);
        assertThat(get("10.0.0.5", "/../10.0.0.6/latest/user-data").status()).isEqualTo(404);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            assertThat(route.answer(new Call(method, "/latest/user-data", null, Map.of(), "10.0.0.5")).status()).isEqualTo(405);
        }
        ready.set(false);
        assertThat(get("10.0.0.5", "/latest/meta-data/hostname").status()).as("not caught up yet").isEqualTo(503);
    }

    @Test
    void headersNeverNameTheInstance() {
        Reply reply = route.answer(new Call("GET", "/openstack/latest/user_data", null,
                Map.of("X-Forwarded-For", "10.0.0.6", "X-Real-IP", "10.0.0.6", "X-Instance-ID", "vm2", "Forwarded", "for=10.0.0.6"),
                "10.0.0.5"));
        assertThat(body(reply)).isEqualTo("#cloud-config\nhostname: web-1\n");
        assertThat(route.answer(new Call("GET", "/openstack/latest/user_data", null, Map.of("X-Forwarded-For", "10.0.0.5"),
                "10.0.0.99")).status()).isEqualTo(404);
    }

    @Test
    void metadataOfAnAddressIsServedOnlyToTheInstanceHoldingItAndGoesWithIt() {
        // vm1's address released and given to vm3 before vm1's metadata tombstone was read: vm3 never sees vm1's keys.
        facts.fixedIp("10.0.0.5", fixed("10.0.0.5", "p1", "vm3", "vm3"));
        Reply reply = get("10.0.0.5", "/openstack/latest/meta_data.json");
        assertThat(body(reply)).doesNotContain(KEY_A).contains("\"name\":\"vm3\"");
        assertThat(get("10.0.0.5", "/openstack/latest/user_data").status()).isEqualTo(404);
        facts.fixedIp("10.0.0.6", null);
        assertThat(get("10.0.0.6", "/openstack/latest/meta_data.json").status()).as("released").isEqualTo(404);
        facts.metadata("10.0.0.5", null);
        assertThat(get("10.0.0.5", "/latest/meta-data/public-keys/").status()).isEqualTo(404);
        facts.floatingIp("203.0.113.7", null);
        assertThat(get("10.0.0.5", "/latest/meta-data/public-ipv4").status()).isEqualTo(404);
    }

    @Test
    void anUnreadableRecordOfTheAddressAnswers503UntilAReadableOneComes() {
        facts.unreadable(MetadataFacts.Kind.METADATA, "10.0.0.5");
        assertThat(get("10.0.0.5", "/openstack/latest/meta_data.json").status()).isEqualTo(503);
        assertThat(get("10.0.0.6", "/openstack/latest/meta_data.json").status()).as("others are served").isEqualTo(200);
        facts.metadata("10.0.0.5", null);
        assertThat(get("10.0.0.5", "/openstack/latest/meta_data.json").status()).isEqualTo(200);
        facts.unreadable(MetadataFacts.Kind.FLOATING_IP, "203.0.113.7");
        assertThat(get("10.0.0.5", "/latest/meta-data/public-ipv4").status()).as("dropped, not stale").isEqualTo(404);
    }

    @Test
    void overHttpThePeerIsTheConnectionsAndAHalfOpenConnectionHoldsNoThread() throws Exception {
        facts.fixedIp("127.0.0.1", fixed("127.0.0.1", "p1", "local", "local-host"));
        try (HttpService http = HttpService.bind("metadata test", "127.0.0.1", 0,
                new HttpService.Limits(1, 16, Duration.ofSeconds(2), Duration.ofSeconds(2), 8192)).serve(route)) {
            int port = http.address().getPort();
            // a client that opens a connection, sends half a request line and stalls: the only handler thread stays free
            try (Socket stalled = new Socket("127.0.0.1", port)) {
                stalled.getOutputStream().write("GET /latest/meta-da".getBytes(StandardCharsets.US_ASCII));
                stalled.getOutputStream().flush();
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/latest/meta-data/hostname")).header("X-Forwarded-For", "10.0.0.5").timeout(Duration.ofSeconds(3))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).as("the connection's peer, not the header's").isEqualTo("local-host");
                HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/latest/user-data")).POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(3))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).isEqualTo(405);
                // and the stalled one is closed by the request deadline, not left open
                stalled.setSoTimeout(10_000);
                InputStream in = stalled.getInputStream();
                long start = System.nanoTime();
                while (in.read() >= 0) {
                    // drain whatever error page Jetty writes before it closes
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            }
        }
    }
}
