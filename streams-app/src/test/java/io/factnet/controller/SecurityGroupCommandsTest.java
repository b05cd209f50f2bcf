package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.FilterRule;
import io.factnet.model.GroupFilter;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.Result;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import org.junit.jupiter.api.Test;

class SecurityGroupCommandsTest extends TopologyTestBase {

    static CreateSecurityGroup group(String name) {
        return CreateSecurityGroup.newBuilder().setName(name).build();
    }

    static AddRule.Builder tcp(String group, int from, int to) {
        return AddRule.newBuilder().setGroup(group).setProtocol(Protocol.TCP).setFromPort(from).setToPort(to);
    }

    GroupFilter filter(String project, String group) {
        var entry = d.routing("r1/group/" + project + "/" + group);
        return entry == null ? null : (GroupFilter) entry.getEntry();
    }

    @Test
    void groupsAreNamedOnceAndCountAgainstTheQuota() {
        standardPools();
        Result created = accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").setDescription("front").build()));
        assertThat(created.getAllocated().getGroup()).isEqualTo("web");
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web").getDescription()).isEqualTo("front");
        rejected(d.submit("p1", group("web")), Reason.ALREADY_EXISTS);
        rejected(d.submit("p1", group("default")), Reason.ALREADY_EXISTS);
        rejected(d.submit("p1", group("we b")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", group("x".repeat(65))), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", CreateSecurityGroup.newBuilder().setName("db").setDescription("line\nbreak").build()),
                Reason.INVALID_ARGUMENT);
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setSecurityGroups(2).build()));
        accepted(d.submit("p1", group("db")));
        rejected(d.submit("p1", group("cache")), Reason.QUOTA_EXCEEDED);
        accepted(d.submit("p2", group("web")));
    }

    @Test
    void eachGroupGetsItsOwnSubnetOnFirstUse() {
        standardPools();
        accepted(d.submit("p1", group("web")));
        assertThat(d.fact(Topics.STATE_GROUP_SUBNETS, "p1/web")).as("no subnet before first use").isNull();
        Result vm1 = accepted(fixedIp("p1", "vm1"));
        Result vm2 = accepted(fixedIp("p1", "vm2", "web"));
        assertThat(vm1.getAllocated().getCidr()).isEqualTo("10.0.0.0/24");
        assertThat(vm2.getAllocated().getCidr()).isEqualTo("10.0.1.0/24");
        assertThat(vm2.getAllocated().getAddress()).isEqualTo("10.0.1.1");
        assertThat(d.fact(Topics.STATE_GROUP_SUBNETS, "p1/web").getCidr()).isEqualTo("10.0.1.0/24");
        assertThat(vm2.getTouched()).contains(new NodeRef("r1", NodeRole.ROUTING), new NodeRef("a1", NodeRole.ADDRESSING));
        assertThat(filter("p1", "web").getSubnet()).isEqualTo("10.0.1.0/24");
    }

    @Test
    void rulesAreValidated() {
        standardPools();
        rejected(d.submit("p1", tcp("default", 0, 22).setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("default", 80, 22).setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("default", 22, 22).build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("default", 22, 22).setSourceCidr("10.0.0.1/8").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("default", 22, 22).setSourceCidr("0.0.0.0/0").setSourceGroup("default").build()),
                Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("default", 22, 22).setIcmpType(8).setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AddRule.newBuilder().setGroup("default").setProtocol(Protocol.ICMP).setFromPort(1)
                .setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AddRule.newBuilder().setGroup("default").setProtocol(Protocol.ICMP).setIcmpType(256)
                .setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AddRule.newBuilder().setGroup("default").setProtocol(Protocol.ICMP).setIcmpCode(0)
                .setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", AddRule.newBuilder().setGroup("default").setProtocol(Protocol.ANY).setToPort(1)
                .setSourceCidr("0.0.0.0/0").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", tcp("nope", 22, 22).setSourceCidr("0.0.0.0/0").build()), Reason.NOT_FOUND);
        rejected(d.submit("p1", tcp("default", 22, 22).setSourceGroup("nope").build()), Reason.NOT_FOUND);
        accepted(d.submit("p2", group("other")));
        rejected(d.submit("p1", tcp("default", 22, 22).setSourceGroup("other").build()), Reason.NOT_FOUND);
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/default")).isNull();
    }

    @Test
    void rulesBecomeTheGroupFilterWithSourceGroupsResolvedToTheirSubnets() {
        standardPools();
        accepted(d.submit("p1", group("web")));
        accepted(d.submit("p1", group("db")));
        Result ssh = accepted(d.submit("p1", tcp("web", 22, 22).setSourceCidr("192.0.2.0/24").build()));
        assertThat(ssh.getAllocated().getRuleId()).isEqualTo("r1");
        assertThat(ssh.getTouched()).as("web has no subnet yet: no node holds its filter").isEmpty();
        accepted(d.submit("p1", AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setIcmpType(8).setIcmpCode(0)
                .setSourceCidr("0.0.0.0/0").build()));
        rejected(d.submit("p1", tcp("web", 22, 22).setSourceCidr("192.0.2.0/24").build()), Reason.ALREADY_EXISTS);
        accepted(d.submit("p1", tcp("db", 5432, 5432).setSourceGroup("web").build()));
        accepted(fixedIp("p1", "db1", "db"));
        assertThat(filter("p1", "db").getRules()).as("web has no subnet yet: its rule matches nothing").isEmpty();
        accepted(fixedIp("p1", "web1", "web"));
        GroupFilter db = filter("p1", "db");
        assertThat(db.getSubnet()).isEqualTo("10.0.0.0/24");
        assertThat(db.getRules()).extracting(FilterRule::getSourceCidr).containsExactly("10.0.1.0/24");
        assertThat(db.getRules().get(0).getFromPort()).isEqualTo(5432);
        GroupFilter web = filter("p1", "web");
        assertThat(web.getRules()).hasSize(2);
        assertThat(web.getRules().get(1).getIcmpType()).isEqualTo(8);
        // each rule takes its id and the AddRule that created it to the nodes: `factnet trace` names both (ADR 0043)
        assertThat(web.getRules().get(0).getRuleId()).isEqualTo("r1");
        assertThat(web.getRules().get(0).getRequestId()).isEqualTo(ssh.getRequestId());
        assertThat(web.getRules().get(1).getRuleId()).isEqualTo("r2");
        assertThat(web.getRules().get(1).getRequestId()).isNotNull().isNotEqualTo(ssh.getRequestId());

        Result removed = accepted(d.submit("p1", RemoveRule.newBuilder().setGroup("web").setRuleId("r1").build()));
        assertThat(removed.getTouched()).as("the routing node, and b1: web1 runs there and its host guards its port (ADR 0035)")
                .containsExactly(new NodeRef("r1", NodeRole.ROUTING), new NodeRef("b1", NodeRole.BRIDGING));
        assertThat(filter("p1", "web").getRules()).hasSize(1);
        assertThat(d.bridging("b1/group/p1/web").getEntry()).as("the host's copy of the filter").isEqualTo(filter("p1", "web"));
        rejected(d.submit("p1", RemoveRule.newBuilder().setGroup("web").setRuleId("r1").build()), Reason.NOT_FOUND);
        rejected(d.submit("p1", RemoveRule.newBuilder().setGroup("web").setRuleId("x; drop").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", RemoveRule.newBuilder().setGroup("nope").setRuleId("r1").build()), Reason.NOT_FOUND);
        assertThat(accepted(d.submit("p1", tcp("web", 22, 22).setSourceCidr("192.0.2.0/24").build())).getAllocated().getRuleId())
                .as("rule ids are not reused").isEqualTo("r3");
    }

    @Test
    void rulesPerGroupAreLimited() {
        standardPools();
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setRulesPerGroup(1).build()));
        accepted(d.submit("p1", tcp("default", 22, 22).setSourceCidr("0.0.0.0/0").build()));
        rejected(d.submit("p1", tcp("default", 80, 80).setSourceCidr("0.0.0.0/0").build()), Reason.QUOTA_EXCEEDED);
    }

    @Test
    void aGroupInUseCannotBeDeleted() {
        standardPools();
        rejected(d.submit("p1", new DeleteSecurityGroup("default")), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", new DeleteSecurityGroup("web")), Reason.NOT_FOUND);
        accepted(d.submit("p1", group("web")));
        accepted(d.submit("p1", group("db")));
        rejected(d.submit("p2", new DeleteSecurityGroup("web")), Reason.NOT_FOUND);
        accepted(d.submit("p1", tcp("db", 5432, 5432).setSourceGroup("web").build()));
        accepted(fixedIp("p1", "web1", "web"));
        rejected(d.submit("p1", new DeleteSecurityGroup("web")), Reason.IN_USE);
        accepted(d.submit("p1", new ReleaseFixedIp("web1")));
        Result referenced = rejected(d.submit("p1", new DeleteSecurityGroup("web")), Reason.IN_USE);
        assertThat(referenced.getMessage()).contains("db");
        accepted(d.submit("p1", RemoveRule.newBuilder().setGroup("db").setRuleId("r1").build()));
        Result deleted = accepted(d.submit("p1", new DeleteSecurityGroup("web")));
        assertThat(deleted.getTouched()).containsExactly(new NodeRef("r1", NodeRole.ROUTING));
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web")).isNull();
        assertThat(d.fact(Topics.STATE_GROUP_SUBNETS, "p1/web")).isNull();
        assertThat(filter("p1", "web")).isNull();
        accepted(d.submit("p1", group("web")));
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web").getRules()).isEmpty();
    }

    @Test
    void aDeletedGroupsSubnetIsHeldAsLongAsItsLastAddress() {
        standardPools();
        // /20 blocks in /21 group subnets: one subnet for groups, one for VPN clients.
        accepted(d.admin(ADMIN, io.factnet.model.DefineSupernet.newBuilder().setCidr("10.0.0.0/19").setGroupPrefix(21).build()));
        accepted(d.submit("p1", group("web")));
        accepted(d.submit("p1", group("db")));
        accepted(fixedIp("p1", "web1", "web"));
        accepted(d.submit("p1", new ReleaseFixedIp("web1")));
        d.advance(java.time.Duration.ofSeconds(100));
        accepted(d.submit("p1", new DeleteSecurityGroup("web")));
        rejected(fixedIp("p1", "db1", "db"), Reason.POOL_EXHAUSTED);
        d.advance(java.time.Duration.ofSeconds(499));
        rejected(fixedIp("p1", "db1", "db"), Reason.POOL_EXHAUSTED);
        d.advance(java.time.Duration.ofSeconds(1));
        assertThat(accepted(fixedIp("p1", "db1", "db")).getAllocated().getCidr()).isEqualTo("10.0.0.0/21");
    }
}
