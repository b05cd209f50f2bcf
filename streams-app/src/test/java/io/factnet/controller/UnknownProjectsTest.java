package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.StoreNames;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.ProjectRecord;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 6: requests for projects nobody made stored a project record each (3,000 release requests,
 * 3,000 records). A project exists from its first decision that leaves it holding something; until then only
 * its request ids are kept (for the idempotency retention), and an emptied project goes once its ids are forgotten.
 */
class UnknownProjectsTest extends TopologyTestBase {
    static final String CHANGELOG = ControllerConfig.DEFAULT_APPLICATION_ID + "-" + StoreNames.PROJECTS + "-changelog";

    private Request request(String id, String project, Object command) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(Instant.ofEpochMilli(d.clock))
                .setCommand(command).build();
    }

    private List<String> storedProjects() {
        List<String> names = new ArrayList<>();
        KeyValueStore<String, ProjectRecord> projects = d.driver.getKeyValueStore(StoreNames.PROJECTS);
        try (KeyValueIterator<String, ProjectRecord> it = projects.all()) {
            it.forEachRemaining(entry -> names.add(entry.key));
        }
        return names;
    }

    @Test
    void refusedRequestsOfProjectsNobodyMadeStoreNoProjectButStillAnswerARepeatedId() {
        standardPools();
        TestOutputTopic<String, byte[]> changelog = d.driver.createOutputTopic(CHANGELOG, new StringDeserializer(),
                new ByteArrayDeserializer());
        changelog.readRecordsToList(); // the admin project's
        int facts = d.history.values().stream().mapToInt(List::size).sum(); // the nodes'
        int n = 300;
        List<Result> refusals = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Result result = rejected(d.submit(Topics.REQUESTS, request("release-" + i, "ghost-" + i,
                    new ReleaseFloatingIp("203.0.113." + (1 + i % 6)))), Reason.NOT_FOUND);
            assertThat(result.getSequence()).as("a decision of a project that does not exist is not numbered").isNull();
            refusals.add(result);
        }
        // Refused after waiting for the pools (no such physical network) and by a node event: nothing either.
        rejected(d.submit("ghost-net", CreateNetwork.newBuilder().setPhysicalNetwork("physnet9").build()), Reason.NOT_CONFIGURED);
        rejected(d.nodeEvent("ghost-gone", new io.factnet.model.InstanceGone("vm1", "b1")), Reason.NOT_FOUND);

        assertThat(storedProjects()).containsExactly(ADMIN);
        assertThat(changelog.readKeyValuesToList()).extracting(kv -> kv.key)
                .as("not even tombstones: the only one written is the project that waited for the pools")
                .allMatch(key -> key.equals("ghost-net"));
        assertThat(d.history.values().stream().mapToInt(List::size).sum()).as("no state or node record").isEqualTo(facts);

        // ghost-0 becomes a real project and gets the address its refused release named: the repeated id is the
        // first answer, and the address stays.
        Result allocated = accepted(floatingIp("ghost-0"));
        assertThat(allocated.getSequence()).isEqualTo(1L);
        Request again = request("release-0", "ghost-0", new ReleaseFloatingIp(allocated.getAllocated().getAddress()));
        assertThat(d.submit(Topics.REQUESTS, again)).isEqualTo(refusals.get(0));
        assertThat(d.fact(Topics.STATE_FLOATING_IPS, allocated.getAllocated().getAddress())).isNotNull();
        assertThat(storedProjects()).containsExactly(ADMIN, "ghost-0");
    }

    @Test
    void aProjectThatExistedKeepsNumberingItsDecisionsUntilItsIdsAreForgotten() {
        d.close();
        d = new ControllerDriver(Map.of(ControllerConfig.RETENTION_MS, String.valueOf(Duration.ofHours(1).toMillis())));
        standardPools();
        assertThat(accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build())).getSequence()).isEqualTo(1L);
        assertThat(accepted(d.submit("p1", new DeleteSecurityGroup("web"))).getSequence()).isEqualTo(2L);
        assertThat(rejected(d.submit("p1", new DeleteSecurityGroup("web")), Reason.NOT_FOUND).getSequence())
                .as("it holds nothing, but it existed: its record numbers its decisions").isEqualTo(3L);
        accepted(d.admin("p2", SetProjectQuota.newBuilder().setFixedIps(3).build())); // quotas of its own: kept
        accepted(fixedIp("p3", "vm1"));
        // What a refused request left before issue 16: a record that holds nothing, with its decisions counted.
        d.driver.<String, ProjectRecord>getKeyValueStore(StoreNames.PROJECTS).put("legacy", ProjectRecord.newBuilder()
                .setProject("legacy").setQuotas(io.factnet.model.Quotas.newBuilder().build()).setDecided(3)
                .setClock(ControllerDriver.START.toEpochMilli()).build());
        assertThat(storedProjects()).contains("p1", "p2", "p3", "legacy");

        d.advance(Duration.ofMinutes(61));
        accepted(d.submit("p4", CreateSecurityGroup.newBuilder().setName("web").build())); // stream time moves on: the purge runs
        assertThat(storedProjects()).as("p1 held nothing and decided nothing for the retention").doesNotContain("p1", "legacy")
                .contains(ADMIN, "p2", "p3", "p4");
        assertThat(accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build())).getSequence()).isEqualTo(1L);
    }
}
