package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.stage.RequestOutcomes;
import io.factnet.controller.stage.StoreNames;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeadLetter;
import io.factnet.model.InstanceGone;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.model.Status;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** What every request goes through: topic rights, key and ids, idempotency, unreadable records, acks. */
class EnvelopeTest extends TopologyTestBase {

    Request request(String id, String project, Object command) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(Instant.ofEpochMilli(d.clock))
                .setCommand(command).build();
    }

    @Test
    void aRepeatedRequestIdGetsTheFirstResultAndChangesNothing() {
        standardPools();
        Request allocate = request("same-id", "p1", AllocateFloatingIp.newBuilder().setPool("public").build());
        Result first = accepted(d.submit(Topics.REQUESTS, allocate));
        Result again = d.submit(Topics.REQUESTS, allocate);
        // What a client needs of the first answer (ADR 0045): its decision, number, allocation and nodes; the message
        // says it is a repeat.
        assertThat(again).usingRecursiveComparison().ignoringFields("message").isEqualTo(first);
        assertThat(again.getMessage()).contains("repeated request id");
        assertThat(d.view(Topics.STATE_FLOATING_IPS)).hasSize(1);
        assertThat(accepted(floatingIp("p1")).getAllocated().getAddress()).isEqualTo("203.0.113.2");

        // A refusal is the answer too, even once the reason is gone.
        Request group = request("group-id", "p1", CreateSecurityGroup.newBuilder().setName("web").build());
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setSecurityGroups(0).build()));
        Result refused = rejected(d.submit(Topics.REQUESTS, group), Reason.QUOTA_EXCEEDED);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setSecurityGroups(5).build()));
        assertThat(d.submit(Topics.REQUESTS, group)).isEqualTo(refused);
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web")).isNull();
        // Request ids are per project.
        accepted(d.submit(Topics.REQUESTS, request("same-id", "p2", AllocateFloatingIp.newBuilder().setPool("public").build())));
    }

    @Test
    void aProjectsResultsAreNumberedInTheOrderTheyWereDecided() {
        standardPools();
        assertThat(d.allResults.stream().map(Result::getSequence).toList()).as("the admin project's decisions")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        Request allocate = request("first", "p1", AllocateFloatingIp.newBuilder().setPool("public").build());
        assertThat(accepted(d.submit(Topics.REQUESTS, allocate)).getSequence()).as("decided after the pools' grant").isEqualTo(1L);
        assertThat(rejected(d.submit("p1", new InstanceGone("vm-9", "b1")), Reason.UNAUTHORIZED).getSequence())
                .as("refused before it reached the project").isNull();
        assertThat(accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build())).getSequence()).isEqualTo(2L);
        assertThat(rejected(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build()), Reason.ALREADY_EXISTS)
                .getSequence()).as("a refusal is a decision too").isEqualTo(3L);
        assertThat(d.submit(Topics.REQUESTS, allocate).getSequence()).as("a repeated id: its first result").isEqualTo(1L);
        assertThat(accepted(floatingIp("p2")).getSequence()).as("numbered per project").isEqualTo(1L);
        assertThat(accepted(floatingIp("p1")).getSequence()).isEqualTo(4L);
    }

    @Test
    void requestIdsAreForgottenAfterTheRetention() {
        d.close();
        d = new ControllerDriver(Map.of(ControllerConfig.RETENTION_MS, String.valueOf(Duration.ofHours(1).toMillis())));
        standardPools();
        Request allocate = request("old-id", "p1", AllocateFloatingIp.newBuilder().setPool("public").build());
        String first = accepted(d.submit(Topics.REQUESTS, allocate)).getAllocated().getAddress();
        d.advance(Duration.ofMinutes(59));
        assertThat(d.submit(Topics.REQUESTS, allocate).getAllocated().getAddress()).isEqualTo(first);
        d.advance(Duration.ofMinutes(3));
        accepted(floatingIp("p9")); // moves stream time on: the purge runs
        assertThat(accepted(d.submit(Topics.REQUESTS, allocate)).getAllocated().getAddress()).isNotEqualTo(first);
    }

    @Test
    void eachTopicCarriesItsOwnCommands() {
        standardPools();
        rejected(d.submit(Topics.REQUESTS, request("a1", ADMIN, RegisterNode.newBuilder().setNodeId("x")
                .setRoles(List.of(NodeRole.ROUTING)).setPublicAddress("1.2.3.4").build())), Reason.UNAUTHORIZED);
        rejected(d.submit(Topics.REQUESTS, request("a2", "p1", new InstanceGone("vm1", "b1"))), Reason.UNAUTHORIZED);
        rejected(d.submit(Topics.ADMIN_REQUESTS, request("a3", "p1", new InstanceGone("vm1", "b1"))), Reason.UNAUTHORIZED);
        rejected(d.submit(Topics.NODE_EVENTS, request("a4", "p1", CreateNetwork.newBuilder().build())), Reason.UNAUTHORIZED);
        rejected(d.submit(Topics.NODE_EVENTS, request("a5", "p1", SetProjectQuota.newBuilder().setFixedIps(1).build())),
                Reason.UNAUTHORIZED);
        List<Result> ack = d.pipe(Topics.REQUESTS, "p1", request("a6", "p1", ack("t1", null)));
        assertThat(ack).singleElement().extracting(Result::getReason).isEqualTo(Reason.UNAUTHORIZED);
        accepted(d.submit(Topics.ADMIN_REQUESTS, request("a7", "p1", CreateNetwork.newBuilder().build())));
    }

    @Test
    void theKeyMustBeTheProjectAndIdsAndNamesAreChecked() {
        standardPools();
        Request wrongKey = request("k1", "p1", CreateNetwork.newBuilder().build());
        List<Result> results = d.pipe(Topics.REQUESTS, "p2", wrongKey);
        assertThat(results).singleElement().satisfies(r -> rejected(r, Reason.INVALID_ARGUMENT));
        assertThat(d.view(Topics.STATE_NETWORKS)).isEmpty();
        rejected(d.submit(Topics.REQUESTS, request("bad id with spaces", "p1", CreateNetwork.newBuilder().build())),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit(Topics.REQUESTS, request("k2", "p/1", CreateNetwork.newBuilder().build())), Reason.INVALID_ARGUMENT);
        rejected(d.submit(Topics.REQUESTS, request("k3", "", CreateNetwork.newBuilder().build())), Reason.INVALID_ARGUMENT);
        Result result = accepted(d.submit(Topics.REQUESTS, request("k4", "p1", CreateNetwork.newBuilder().build())));
        assertThat(result.getCommand()).isEqualTo("CreateNetwork");
        assertThat(result.getProject()).isEqualTo("p1");
        assertThat(result.getCompletedAt()).isNotNull();
        // The same id, refused before for its envelope, was not remembered.
        assertThat(d.pipe(Topics.REQUESTS, "p1", wrongKey)).singleElement().satisfies(r -> rejected(r, Reason.ALREADY_EXISTS));
    }

    @Test
    void aTooLongRequestIdIsRefusedUnderTheIdItWasSentWith() {
        standardPools();
        String longId = "x".repeat(300); // issue 16: refused under its first 128 characters, so its sender never saw it
        Result refused = rejected(d.submit(Topics.REQUESTS, request(longId, "p1", CreateNetwork.newBuilder().build())),
                Reason.INVALID_ARGUMENT);
        assertThat(refused.getMessage()).startsWith("requestId must be 1-128 characters");
        assertThat(d.allResultKeys.get(d.allResultKeys.size() - 1)).isEqualTo(longId);

        // Beyond the bound the result stays a small record: answered under the id's start (the client refuses to send it).
        String tooLong = "y".repeat(RequestRoutes.MAX_ANSWERED_REQUEST_ID + 1000);
        assertThat(d.pipe(Topics.REQUESTS, "p1", request(tooLong, "p1", CreateNetwork.newBuilder().build()))).singleElement()
                .satisfies(r -> {
                    rejected(r, Reason.INVALID_ARGUMENT);
                    assertThat(r.getRequestId()).isEqualTo(tooLong.substring(0, RequestRoutes.MAX_ANSWERED_REQUEST_ID));
                    assertThat(r.getMessage()).contains("this one has " + tooLong.length() + " characters");
                });
        assertThat(d.allResultKeys.get(d.allResultKeys.size() - 1)).hasSize(RequestRoutes.MAX_ANSWERED_REQUEST_ID);
        assertThat(d.view(Topics.STATE_NETWORKS)).isEmpty();
    }

    @Test
    void unreadableRecordsBecomeDeadLettersAndProcessingGoesOn() {
        standardPools();
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        assertThat(d.pipeRaw(Topics.REQUESTS, "p1", garbage)).isEmpty();
        assertThat(d.pipeRaw(Topics.REQUESTS, "p1", new byte[] {0, 0, 0, 0, 99, 1, 2})).isEmpty();
        assertThat(d.pipeRaw(Topics.REQUESTS, "p1", null)).isEmpty();
        assertThat(d.pipeRaw(Topics.INTERNAL_CLAIMS, "nodes", garbage)).isEmpty();
        d.driver.createInputTopic(Topics.NODE_EVENTS.name(), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                Topics.NODE_EVENTS.valueSerde(d.registry).serializer())
                .pipeInput(new byte[] {(byte) 0xff, (byte) 0xfe}, request("k", "p1", new InstanceGone("vm", "b1")));
        accepted(fixedIp("p1", "vm1"));
        List<DeadLetter> letters = d.allDeadLetters;
        assertThat(letters).hasSize(5);
        DeadLetter first = letters.get(0);
        assertThat(first.getTopic()).isEqualTo(Topics.REQUESTS.name());
        assertThat(first.getPartition()).isZero();
        assertThat(StandardCharsets.UTF_8.decode(first.getValue()).toString()).isEqualTo("not avro");
        assertThat(StandardCharsets.UTF_8.decode(first.getKey()).toString()).isEqualTo("p1");
        assertThat(first.getError()).contains("magic");
        assertThat(letters.get(1).getError()).contains("schema id");
        assertThat(letters.get(1).getOffset()).isEqualTo(first.getOffset() + 1);
        assertThat(letters.get(2).getError()).contains("tombstone");
        assertThat(letters.get(3).getTopic()).isEqualTo(Topics.INTERNAL_CLAIMS.name());
        assertThat(letters.get(4).getError()).contains("UTF-8");
    }

    static AppliedAck ack(String node, String publicKey) {
        return AppliedAck.newBuilder().setNodeId(node).setRole(NodeRole.TUNNELING).setPartition(0).setAppliedOffset(7)
                .setPublicKey(publicKey).build();
    }

    @Test
    void appliedAcksHaveNoResultAndATunnelingNodesKeyIsPublished() {
        standardPools();
        assertThat(d.pipe(Topics.NODE_EVENTS, "t1", request("ack-1", "t1", ack("t1", KEY_A)))).isEmpty();
        assertThat(d.fact(Topics.STATE_NODES, "t1").getPublicKey()).isEqualTo(KEY_A);
        assertThat(d.pipe(Topics.NODE_EVENTS, "t1", request("ack-2", "t1", ack("t1", "bogus")))).isEmpty();
        assertThat(d.pipe(Topics.NODE_EVENTS, "t9", request("ack-3", "t9", ack("t9", KEY_B)))).isEmpty();
        assertThat(d.fact(Topics.STATE_NODES, "t1").getPublicKey()).isEqualTo(KEY_A);
        assertThat(d.fact(Topics.STATE_NODES, "t9")).isNull();
    }

    @Test
    void theLastAckOfEachNodeAndRoleIsKeptAndAnAckWithABadNodeIdIsNot() {
        standardPools();
        KeyValueStore<String, AppliedAck> acks = d.driver.getKeyValueStore(StoreNames.NODE_ACKS);
        AppliedAck routing = AppliedAck.newBuilder().setNodeId("n1").setRole(NodeRole.ROUTING).setPartition(2)
                .setAppliedOffset(40).setApplyMillis(3).build();
        d.pipe(Topics.NODE_EVENTS, "n1/routing", request("ack-r1", ADMIN, routing));
        d.pipe(Topics.NODE_EVENTS, "t1/tunneling", request("ack-t1", ADMIN, ack("t1", "bogus")));
        AppliedAck later = AppliedAck.newBuilder(routing).setAppliedOffset(44).setError("nft: Error").build();
        d.pipe(Topics.NODE_EVENTS, "n1/routing", request("ack-r2", ADMIN, later));
        d.pipe(Topics.NODE_EVENTS, "x/routing", request("ack-x", ADMIN, AppliedAck.newBuilder(routing).setNodeId("a/b").build()));

        assertThat(acks.get("n1/routing")).isEqualTo(later);
        assertThat(acks.get("t1/tunneling").getAppliedOffset()).isEqualTo(7); // kept, though its key was refused
        assertThat(d.fact(Topics.STATE_NODES, "t1").getPublicKey()).isNull();
        assertThat(acks.get("a/b/routing")).isNull();
        assertThat(d.allResults.stream().map(Result::getRequestId)).doesNotContain("ack-r1", "ack-r2", "ack-x");
    }

    @Test
    void everyResultIsCountedOnceByCommandStatusAndReason() {
        standardPools();
        accepted(floatingIp("p1"));
        Request group = request("g1", "p1", CreateSecurityGroup.newBuilder().setName("bad name").build());
        rejected(d.submit(Topics.REQUESTS, group), Reason.INVALID_ARGUMENT);
        d.submit(Topics.REQUESTS, group); // a repeated id: its first result again, counted again (it was emitted again)
        d.pipe(Topics.REQUESTS, "p2", request("k1", "p1", CreateNetwork.newBuilder().build())); // refused by the envelope
        d.pipe(Topics.NODE_EVENTS, "t1/tunneling", request("ack-1", ADMIN, ack("t1", KEY_A))); // no result, not counted

        Map<RequestOutcomes.Decision, Long> expected = d.allResults.stream().collect(Collectors.groupingBy(
                r -> new RequestOutcomes.Decision(r.getCommand(), r.getStatus(), r.getReason()), Collectors.counting()));
        assertThat(d.outcomes.snapshot()).isEqualTo(expected)
                .containsEntry(new RequestOutcomes.Decision("CreateSecurityGroup", Status.REJECTED, Reason.INVALID_ARGUMENT), 2L)
                .containsEntry(new RequestOutcomes.Decision("AllocateFloatingIp", Status.ACCEPTED, Reason.OK), 1L)
                .containsEntry(new RequestOutcomes.Decision("CreateNetwork", Status.REJECTED, Reason.INVALID_ARGUMENT), 1L);
    }
}
