package io.factnet.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.NodeRole;
import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeEventsTest {
    /** The request ids the controller accepts. */
    static final String REQUEST_ID = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";

    @Test
    void eventsCarryFreshValidIdsAndTheKeysOfTheRequestRoutes() {
        String node = "n".repeat(64);
        Request register = NodeEvents.register(node, List.of(NodeRole.ROUTING), "198.51.100.1", 51820, 51829, List.of("physnet1"), null);
        Request ack = NodeEvents.ack(node, NodeRole.TUNNELING, 3, 41, Map.of("tunnels", 1L), 12, null, "k", null);
        Request granted = NodeEvents.leaseGranted("p1", node, "10.0.1.5", "fa:16:3e:00:00:05", "vm1");
        Request released = NodeEvents.leaseReleased("p1", node, "10.0.1.5", "fa:16:3e:00:00:05");

        for (Request request : List.of(register, ack, granted, released)) {
            assertThat(request.getRequestId()).matches(REQUEST_ID);
        }
        assertThat(NodeEvents.ack(node, NodeRole.ROUTING, 0, 0, Map.of(), 0, null, null, null).getRequestId())
                .isNotEqualTo(NodeEvents.ack(node, NodeRole.ROUTING, 0, 0, Map.of(), 0, null, null, null).getRequestId());
        assertThat(RequestRoutes.keyOf(register)).isEqualTo("_admin");
        assertThat(register.getProject()).isEqualTo("_admin");
        assertThat(RequestRoutes.keyOf(ack)).isEqualTo(node + "/tunneling");
        assertThat(ack.getProject()).isEqualTo("_admin");
        assertThat(RequestRoutes.keyOf(granted)).isEqualTo("p1");
        assertThat(RequestRoutes.keyOf(released)).isEqualTo("p1");
    }
}
