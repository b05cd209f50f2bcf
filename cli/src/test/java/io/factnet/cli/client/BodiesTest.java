package io.factnet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.Allocation;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Requester;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** What the CLI sends through a gateway and what it reads back are the records themselves, field for field. */
class BodiesTest {
    @Test
    void aCommandsBodyReadsBackAsTheSameCommand() throws Exception {
        List<SpecificRecord> commands = List.of(
                RegisterNode.newBuilder().setNodeId("n1").setRoles(List.of(NodeRole.ROUTING, NodeRole.BRIDGING))
                        .setPublicAddress("192.0.2.1").setPhysicalNetworks(List.of("physnet1", "physnet2")).build(),
                AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(22).setToPort(22)
                        .setSourceCidr("0.0.0.0/0").build(),
                DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("198.51.100.0/24"))
                        .setExcluded(List.of("198.51.100.1")).build());
        for (SpecificRecord command : commands) {
            assertThat(Bodies.command(command.getSchema(), Bodies.body(command), Map.of())).isEqualTo(command);
        }
    }

    @Test
    void aResultDocumentReadsBackAsTheSameResult() throws Exception {
        Result accepted = Result.newBuilder().setRequestId("r-1").setProject("acme").setCommand("AllocateFixedIp")
                .setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("allocated")
                .setCompletedAt(Instant.ofEpochMilli(1_764_000_000_123L)).setSequence(7L)
                .setAllocated(Allocation.newBuilder().setAddress("10.0.0.5").setInstance("vm-1").setVlan(101).build())
                .setTouched(List.of(new NodeRef("n1", NodeRole.ADDRESSING))).setRequestedBy(new Requester("alice", "gw")).build();
        assertThat(Bodies.resultOf(Bodies.result(accepted))).isEqualTo(accepted);
        Result rejected = Result.newBuilder(accepted).setStatus(Status.REJECTED).setReason(Reason.QUOTA_EXCEEDED)
                .setAllocated(null).setTouched(List.of()).setSequence(null).setRequestedBy(null).build();
        assertThat(Bodies.resultOf(Bodies.result(rejected))).isEqualTo(rejected);
    }
}
