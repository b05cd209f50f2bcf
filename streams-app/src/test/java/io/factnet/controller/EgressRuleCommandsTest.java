package io.factnet.controller;

import static io.factnet.controller.SecurityGroupCommandsTest.group;
import static io.factnet.controller.SecurityGroupCommandsTest.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.DeleteSecurityGroup;
import io.factnet.model.Direction;
import io.factnet.model.EgressFilterRule;
import io.factnet.model.FilterRule;
import io.factnet.model.GroupFilter;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Protocol;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFixedIp;
import io.factnet.model.RemoveRule;
import io.factnet.model.Result;
import io.factnet.model.Rule;
import io.factnet.model.SetProjectQuota;
import io.factnet.topics.Topics;
import org.junit.jupiter.api.Test;

/**
 * Egress rules through the topology (ADR 0030): checked like ingress rules with a destination for a source; a group
 * without egress rules publishes a filter without egress (it may send anywhere), a group with one a list of them,
 * destination groups resolved to their subnets.
 */
class EgressRuleCommandsTest extends TopologyTestBase {

    static AddRule.Builder egress(AddRule.Builder rule) {
        return rule.setDirection(Direction.EGRESS);
    }

    GroupFilter filter(String project, String group) {
        var entry = d.routing("r1/group/" + project + "/" + group);
        return entry == null ? null : (GroupFilter) entry.getEntry();
    }

    @Test
    void egressRulesAreCheckedAndRefusedWithAReason() {
        standardPools();
        Result source = rejected(d.submit("p1", egress(tcp("default", 80, 80)).setSourceCidr("0.0.0.0/0").build()),
                Reason.INVALID_ARGUMENT);
        assertThat(source.getMessage()).contains("egress rule has a destination");
        Result none = rejected(d.submit("p1", egress(tcp("default", 80, 80)).build()), Reason.INVALID_ARGUMENT);
        assertThat(none.getMessage()).contains("exactly one of destinationCidr and destinationGroup");
        rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationCidr("192.0.2.0/24").setDestinationGroup("default")
                .build()), Reason.INVALID_ARGUMENT);
        Result both = rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationCidr("192.0.2.0/24")
                .setSourceGroup("default").build()), Reason.INVALID_ARGUMENT);
        assertThat(both.getMessage()).contains("not a source");
        Result misaligned = rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationCidr("192.0.2.1/24").build()),
                Reason.INVALID_ARGUMENT);
        assertThat(misaligned.getMessage()).contains("destinationCidr");
        rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationGroup("bad name").build()), Reason.INVALID_ARGUMENT);
        rejected(d.submit("p1", egress(tcp("default", 90, 80)).setDestinationCidr("192.0.2.0/24").build()), Reason.INVALID_ARGUMENT);
        Result ingressWithDestination = rejected(d.submit("p1", tcp("default", 80, 80).setDestinationCidr("192.0.2.0/24").build()),
                Reason.INVALID_ARGUMENT);
        assertThat(ingressWithDestination.getMessage()).contains("ingress rule has a source");
        rejected(d.submit("p1", tcp("default", 80, 80).setSourceCidr("0.0.0.0/0").setDestinationGroup("default").build()),
                Reason.INVALID_ARGUMENT);
        Result unknown = rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationGroup("nope").build()),
                Reason.NOT_FOUND);
        assertThat(unknown.getMessage()).contains("nope");
        accepted(d.submit("p2", group("other")));
        rejected(d.submit("p1", egress(tcp("default", 80, 80)).setDestinationGroup("other").build()), Reason.NOT_FOUND);
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/default")).as("nothing was changed").isNull();
    }

    @Test
    void aGroupWithoutEgressRulesSendsAnywhereAndOneWithThemOnlyWhatTheyAllow() {
        standardPools();
        accepted(d.submit("p1", group("web")));
        accepted(d.submit("p1", group("db")));
        accepted(d.submit("p1", tcp("web", 22, 22).setSourceCidr("0.0.0.0/0").build()));
        accepted(fixedIp("p1", "web1", "web"));
        assertThat(filter("p1", "web").getEgress()).as("no egress rule: egress unfiltered").isNull();

        Result http = accepted(d.submit("p1", egress(tcp("web", 80, 80)).setDestinationCidr("192.0.2.10/32").build()));
        assertThat(http.getAllocated().getRuleId()).isEqualTo("r2");
        assertThat(http.getTouched()).as("the routing node, and b1: web1 runs there (ADR 0035)")
                .containsExactly(new NodeRef("r1", NodeRole.ROUTING), new NodeRef("b1", NodeRole.BRIDGING));
        Rule stored = d.fact(Topics.STATE_GROUPS, "p1/web").getRules().get(1);
        assertThat(stored.getDirection()).isEqualTo(Direction.EGRESS);
        assertThat(stored.getDestinationCidr()).isEqualTo("192.0.2.10/32");
        assertThat(stored.getSourceCidr()).isNull();
        assertThat(d.fact(Topics.STATE_GROUPS, "p1/web").getRules().get(0).getDirection()).isEqualTo(Direction.INGRESS);
        GroupFilter web = filter("p1", "web");
        assertThat(web.getRules()).as("the ingress rules alone").extracting(FilterRule::getSourceCidr).containsExactly("0.0.0.0/0");
        assertThat(web.getEgress()).extracting(EgressFilterRule::getDestinationCidr).containsExactly("192.0.2.10/32");
        assertThat(web.getEgress().get(0).getFromPort()).isEqualTo(80);
        assertThat(web.getEgress().get(0).getProtocol()).isEqualTo(Protocol.TCP);
        rejected(d.submit("p1", egress(tcp("web", 80, 80)).setDestinationCidr("192.0.2.10/32").build()), Reason.ALREADY_EXISTS);
        accepted(d.submit("p1", tcp("web", 80, 80).setSourceCidr("192.0.2.10/32").build()));

        // a destination group without a subnet matches nothing, but the group is still filtered
        accepted(d.submit("p1", egress(tcp("web", 5432, 5432)).setDestinationGroup("db").build()));
        assertThat(filter("p1", "web").getEgress()).hasSize(1);
        accepted(fixedIp("p1", "db1", "db"));
        String dbSubnet = d.fact(Topics.STATE_GROUP_SUBNETS, "p1/db").getCidr();
        assertThat(filter("p1", "web").getEgress()).as("db's subnet, once it has one")
                .extracting(EgressFilterRule::getDestinationCidr).containsExactly("192.0.2.10/32", dbSubnet);
        assertThat(filter("p1", "db").getEgress()).as("db has no egress rule").isNull();

        accepted(d.submit("p1", new ReleaseFixedIp("db1")));
        Result referenced = rejected(d.submit("p1", new DeleteSecurityGroup("db")), Reason.IN_USE);
        assertThat(referenced.getMessage()).as("a destination of web's rule").contains("web");

        accepted(d.submit("p1", RemoveRule.newBuilder().setGroup("web").setRuleId("r2").build()));
        accepted(d.submit("p1", RemoveRule.newBuilder().setGroup("web").setRuleId("r4").build()));
        assertThat(filter("p1", "web").getEgress()).as("the last egress rule gone: unfiltered again").isNull();
        assertThat(filter("p1", "web").getRules()).hasSize(2);
    }

    @Test
    void aGroupWhoseOnlyEgressRuleNamesAGroupWithoutSubnetSendsNothingNewAndEgressCountsAgainstTheRuleQuota() {
        standardPools();
        accepted(d.submit("p1", group("web")));
        accepted(d.submit("p1", group("db")));
        accepted(d.admin("p1", SetProjectQuota.newBuilder().setRulesPerGroup(2).build()));
        accepted(d.submit("p1", egress(AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ANY)).setDestinationGroup("db")
                .build()));
        accepted(fixedIp("p1", "web1", "web"));
        assertThat(filter("p1", "web").getEgress()).as("filtered, nothing allowed yet").isNotNull().isEmpty();
        accepted(d.submit("p1", egress(AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setIcmpType(8))
                .setDestinationCidr("0.0.0.0/0").build()));
        rejected(d.submit("p1", tcp("web", 22, 22).setSourceCidr("0.0.0.0/0").build()), Reason.QUOTA_EXCEEDED);
        assertThat(filter("p1", "web").getEgress()).singleElement().satisfies(rule -> {
            assertThat(rule.getProtocol()).isEqualTo(Protocol.ICMP);
            assertThat(rule.getIcmpType()).isEqualTo(8);
            assertThat(rule.getDestinationCidr()).isEqualTo("0.0.0.0/0");
        });
    }

    @Test
    void aRuleWithoutADirectionIsAnIngressRuleAsBefore() {
        standardPools();
        AddRule old = tcp("default", 22, 22).setSourceCidr("0.0.0.0/0").build();
        assertThat(old.getDirection()).as("the schema's default").isEqualTo(Direction.INGRESS);
        accepted(d.submit("p1", old));
        accepted(fixedIp("p1", "vm1"));
        assertThat(filter("p1", "default").getRules()).hasSize(1);
        assertThat(filter("p1", "default").getEgress()).isNull();
    }
}
