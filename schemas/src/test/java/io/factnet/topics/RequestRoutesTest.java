package io.factnet.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.DefineSupernet;
import io.factnet.model.LeaseGranted;
import io.factnet.model.MoveNetwork;
import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class RequestRoutesTest {

    private static Request request(String project, Object command) {
        return Request.newBuilder().setRequestId("r").setProject(project).setSubmittedAt(Instant.EPOCH).setCommand(command).build();
    }

    @Test
    void adminCommandsGoToTheAdminTopicNodeEventsToTheirsAndTheRestToRequests() {
        assertThat(RequestRoutes.topicOf(request("_admin", DefineSupernet.newBuilder().setCidr("10.0.0.0/8").build())))
                .isEqualTo(Topics.ADMIN_REQUESTS);
        Request move = request("p1", MoveNetwork.newBuilder().setRole(NodeRole.ROUTING).setNodeId("n2").build());
        assertThat(RequestRoutes.topicOf(move)).isEqualTo(Topics.ADMIN_REQUESTS);
        assertThat(RequestRoutes.keyOf(move)).isEqualTo("p1");
        assertThat(RequestRoutes.topicOf(request("p1", AllocateFloatingIp.newBuilder().setPool("public").build())))
                .isEqualTo(Topics.REQUESTS);
        assertThat(RequestRoutes.topicOf(request("p1", LeaseGranted.newBuilder().setNodeId("n1").setAddress("10.0.0.5")
                .setMac("fa:16:3e:00:00:01").build()))).isEqualTo(Topics.NODE_EVENTS);
    }

    @Test
    void appliedAcksAreKeyedByNodeAndRole() {
        Request ack = request("_admin", AppliedAck.newBuilder().setNodeId("n1").setRole(NodeRole.ADDRESSING)
                .setPartition(0).setAppliedOffset(5).build());
        assertThat(RequestRoutes.topicOf(ack)).isEqualTo(Topics.NODE_EVENTS);
        assertThat(RequestRoutes.keyOf(ack)).isEqualTo("n1/addressing");
    }

    @Test
    void everyCommandNamedInTheTableIsABranchOfTheRequestUnion() {
        Set<String> branches = Request.getClassSchema().getField("command").schema().getTypes().stream()
                .map(Schema::getName).collect(Collectors.toSet());
        Map<RequestRoutes.Scope, Long> byScope = branches.stream()
                .collect(Collectors.groupingBy(RequestRoutes::scopeOf, Collectors.counting()));
        // a renamed admin command would silently become a project request: the table must follow the schema
        assertThat(byScope).containsEntry(RequestRoutes.Scope.POOL_ADMIN, 4L)
                .containsEntry(RequestRoutes.Scope.PROJECT_ADMIN, 2L)
                .containsEntry(RequestRoutes.Scope.NODE_EVENT, 4L)
                .containsEntry(RequestRoutes.Scope.NODE_ACK, 1L);
    }

    @Test
    void aKeysPartitionIsTheOneJavasDefaultPartitionerGivesIt() {
        for (String key : new String[] {"p1", "_admin", "acme", "n1/routing", "projekt-ä", "x".repeat(200)}) {
            for (int partitions : new int[] {1, 2, 3, 4, 12, 50}) {
                assertThat(RequestRoutes.partitionOf(key, partitions)).as(key + " of " + partitions).isEqualTo(
                        org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(
                                key.getBytes(java.nio.charset.StandardCharsets.UTF_8), partitions));
            }
        }
    }
}
