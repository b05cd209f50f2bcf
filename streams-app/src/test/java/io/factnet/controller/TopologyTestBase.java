package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.RegisterNode;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh topology per test, with the usual pools and one node per role when a test asks for them. */
abstract class TopologyTestBase {
    static final String ADMIN = "_admin";
    /** A valid WireGuard public key (base64 of 32 bytes). */
    static final String KEY_A = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
    static final String KEY_B = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

    ControllerDriver d;

    @BeforeEach
    void startDriver() {
        d = new ControllerDriver();
    }

    @AfterEach
    void closeDriver() {
        d.close();
    }

    /** VLANs 100-101, supernet 10.0.0.0/19 (two /20 blocks), floating 203.0.113.0/29 (6 addresses), nodes r1 a1 b1 t1. */
    void standardPools() {
        accepted(d.admin(ADMIN, DefineVlanRange.newBuilder().setFirst(100).setLast(101).build()));
        accepted(d.admin(ADMIN, DefineSupernet.newBuilder().setCidr("10.0.0.0/19").build()));
        accepted(d.admin(ADMIN, DefineFloatingPool.newBuilder().setPool("public").setCidrs(List.of("203.0.113.0/29")).build()));
        register("r1", "198.51.100.1", NodeRole.ROUTING);
        register("a1", "198.51.100.2", NodeRole.ADDRESSING);
        register("b1", "198.51.100.3", NodeRole.BRIDGING);
        accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId("t1").setRoles(List.of(NodeRole.TUNNELING))
                .setPublicAddress("198.51.100.4").setVpnPortFirst(51820).setVpnPortLast(51821).build()));
    }

    Result register(String nodeId, String publicAddress, NodeRole... roles) {
        return accepted(d.admin(ADMIN, RegisterNode.newBuilder().setNodeId(nodeId).setRoles(List.of(roles))
                .setPublicAddress(publicAddress).build()));
    }

    Result fixedIp(String project, String instance) {
        return d.submit(project, AllocateFixedIp.newBuilder().setInstance(instance).build());
    }

    Result fixedIp(String project, String instance, String group) {
        return d.submit(project, AllocateFixedIp.newBuilder().setInstance(instance).setGroup(group).build());
    }

    Result floatingIp(String project) {
        return d.submit(project, AllocateFloatingIp.newBuilder().setPool("public").build());
    }

    static Result accepted(Result result) {
        assertThat(result.getStatus()).as("%s: %s", result.getCommand(), result.getMessage()).isEqualTo(Status.ACCEPTED);
        assertThat(result.getReason()).isEqualTo(Reason.OK);
        return result;
    }

    static Result rejected(Result result, Reason reason) {
        assertThat(result.getStatus()).as("%s: %s", result.getCommand(), result.getMessage()).isEqualTo(Status.REJECTED);
        assertThat(result.getReason()).as(result.getMessage()).isEqualTo(reason);
        assertThat(result.getMessage()).isNotBlank();
        return result;
    }
}
