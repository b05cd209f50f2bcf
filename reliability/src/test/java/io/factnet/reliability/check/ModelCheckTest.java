package io.factnet.reliability.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.controller.reference.ModelFacts;
import io.factnet.controller.reference.ReferenceModel;
import io.factnet.controller.reference.ReferenceModel.Expected;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.Allocation;
import io.factnet.model.CreateNetwork;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.DeleteNetwork;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.reliability.check.ModelCheck.Arrived;
import io.factnet.reliability.load.RequestKey;
import io.factnet.reliability.load.Requests;
import io.factnet.reliability.read.Decoded;
import io.factnet.topics.RequestRoutes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Check 3's own logic, on decisions the reference model made itself (so they are right by construction):
 * replayed in another interleaving of the projects they still equal the model; a lost or doubled decision,
 * a shared address given twice and a wrong fact are each found.
 */
class ModelCheckTest {
    /** One decision as the controller would have published it, with the request it answered. */
    record Decision(Arrived request, Result result) {
    }

    final List<Decision> decisions = new ArrayList<>();
    final ReferenceModel model = new ReferenceModel(ModelCheck.HOLD_DOWN);
    final Map<String, Long> sequences = new HashMap<>();
    long clock = 1_000;

    /** Decides the request with the model (in this order, the pools' own) and keeps its result. */
    void decide(String project, Object command) {
        Request request = Requests.envelope("id-" + decisions.size(), project, command, java.time.Clock.systemUTC());
        String topic = RequestRoutes.scopeOf(request).topic().name();
        String key = RequestRoutes.keyOf(request);
        Arrived arrived = new Arrived(topic, key, clock, 0, decisions.size(), request);
        Expected outcome = model.apply(topic, key, request, clock);
        decisions.add(new Decision(arrived, result(request, outcome, sequences.merge(project, 1L, Long::sum), clock++)));
    }

    static Result result(Request request, Expected outcome, long sequence, long completedAt) {
        Allocation allocation = null;
        if (!outcome.allocated().isEmpty()) {
            allocation = new Allocation();
            for (Map.Entry<String, Object> field : outcome.allocated().entrySet()) {
                Schema.Field at = Allocation.getClassSchema().getField(field.getKey());
                allocation.put(at.pos(), field.getValue());
            }
        }
        List<NodeRef> touched = outcome.touched().stream()
                .map(t -> new NodeRef(t.substring(0, t.indexOf('/')), NodeRole.valueOf(t.substring(t.indexOf('/') + 1)))).toList();
        return Result.newBuilder().setRequestId(request.getRequestId()).setProject(request.getProject())
                .setCommand(RequestRoutes.commandName(request)).setStatus(outcome.status()).setReason(outcome.reason()).setMessage("m")
                .setCompletedAt(Instant.ofEpochMilli(completedAt)).setAllocated(allocation).setTouched(touched)
                .setSequence(sequence).build();
    }

    /** Three projects that take VLANs and blocks, one that gives its network back for the next to get. */
    void aSmallCloud() {
        decide("_admin", DefineVlanRange.newBuilder().setFirst(100).setLast(102).build());
        decide("_admin", DefineSupernet.newBuilder().setCidr("10.0.0.0/18").build());
        for (String node : List.of("n1", "n2")) {
            decide("_admin", RegisterNode.newBuilder().setNodeId(node).setPublicAddress("192.0.2." + node.charAt(1))
                    .setRoles(List.of(NodeRole.ROUTING, NodeRole.ADDRESSING, NodeRole.BRIDGING)).build());
        }
        decide("p1", CreateNetwork.newBuilder().build());
        decide("p2", AllocateFixedIp.newBuilder().setInstance("vm1").build());
        decide("p2", AllocateFixedIp.newBuilder().setInstance("vm2").build());
        decide("p1", new DeleteNetwork());
        decide("p3", CreateNetwork.newBuilder().build()); // next fit: VLAN 102; p1's VLAN 100 is free again
        decide("p1", CreateNetwork.newBuilder().build()); // VLAN 100 again, after p1 gave it back
    }

    ModelCheck.Report check(List<Result> results, ModelFacts facts) {
        Map<RequestKey, List<Arrived>> requests = new HashMap<>();
        decisions.forEach(d -> requests.computeIfAbsent(RequestKey.of(d.request().request()), k -> new ArrayList<>()).add(d.request()));
        List<Decoded<Result>> decoded = results.stream().map(r -> new Decoded<>("factnet.results", 0, 0, r.getRequestId(), r, null)).toList();
        return ModelCheck.check(decoded, requests, List.of(), new TreeMap<>(facts.byTopic()));
    }

    List<Result> results() {
        return decisions.stream().map(Decision::result).toList();
    }

    @Test
    void decisionsReplayedInAnotherInterleavingOfTheProjectsEqualTheModel() {
        aSmallCloud();
        // p2's decisions completed after everything else: another interleaving, each project still in its order,
        // so the model replays p1's and p3's networks before p2's and must take p2's VLAN from its result.
        List<Result> reordered = new ArrayList<>();
        for (Result result : results()) {
            Result copy = Result.newBuilder(result).build();
            if (copy.getProject().equals("p2")) {
                copy.setCompletedAt(Instant.ofEpochMilli(clock + copy.getSequence()));
            }
            reordered.add(copy);
        }
        ModelCheck.Report report = check(reordered, model.facts());
        assertThat(report.equalsTheModel()).as(report.toString()).isTrue();
        assertThat(report.decisions()).isEqualTo(decisions.size());
        assertThat(report.factsCompared()).containsEntry("factnet.state.networks", 3).containsEntry("factnet.state.fixed-ips", 2);
    }

    @Test
    void aLostDecisionAndOneMadeTwiceAreSequenceProblems() {
        aSmallCloud();
        List<Result> results = new ArrayList<>(results());
        Result lost = results.remove(5); // p2's first
        Result doubled = Result.newBuilder(results.get(5)).setRequestId("another").build();
        results.add(doubled);
        ModelCheck.Report report = check(results, model.facts());
        assertThat(report.sequenceProblems()).anyMatch(p -> p.startsWith("p2: no result for decisions #" + lost.getSequence()))
                .anyMatch(p -> p.contains("was given to " + results.get(5).getRequestId() + " and to another"));
    }

    @Test
    void aVlanGivenToTwoProjectsIsAConflictAndAWrongFactADifference() {
        aSmallCloud();
        List<Result> results = new ArrayList<>(results());
        // p3 gets p2's VLAN (101) while p2 holds it: the pools gave it twice.
        int p3 = results.indexOf(results.stream().filter(r -> r.getProject().equals("p3")).findFirst().orElseThrow());
        Result twice = Result.newBuilder(results.get(p3)).build();
        twice.setAllocated(Allocation.newBuilder(twice.getAllocated()).setVlan(101).build());
        results.set(p3, twice);
        ModelFacts facts = model.facts();
        facts.fixedIps().replaceAll((address, ip) -> io.factnet.model.FixedIp.newBuilder(ip).setLeased(true).build());
        ModelCheck.Report report = check(results, facts);
        assertThat(report.conflicts()).anyMatch(c -> c.contains("VLAN 101 was given while the model still held it"));
        assertThat(report.factDifferences()).anyMatch(d -> d.startsWith("factnet.state.fixed-ips"));
    }
}
