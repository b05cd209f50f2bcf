package io.factnet.cli.show;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** How factnet show prints a group's rules, ingress and egress. */
class RuleTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void ingressRulesSayFromAndEgressRulesSayTo() throws Exception {
        assertThat(ShowCommand.rule(JSON.readTree("{\"ruleId\":\"r1\",\"protocol\":\"TCP\",\"fromPort\":22,\"toPort\":22,"
                + "\"sourceCidr\":\"0.0.0.0/0\",\"sourceGroup\":null,\"direction\":\"INGRESS\"}"))).isEqualTo("r1 tcp/22 from 0.0.0.0/0");
        assertThat(ShowCommand.rule(JSON.readTree("{\"ruleId\":\"r2\",\"protocol\":\"TCP\",\"fromPort\":80,\"toPort\":80,"
                + "\"sourceCidr\":null,\"sourceGroup\":null,\"direction\":\"EGRESS\",\"destinationCidr\":\"192.0.2.10/32\","
                + "\"destinationGroup\":null}"))).isEqualTo("r2 egress tcp/80 to 192.0.2.10/32");
        assertThat(ShowCommand.rule(JSON.readTree("{\"ruleId\":\"r3\",\"protocol\":\"ANY\",\"direction\":\"EGRESS\","
                + "\"destinationCidr\":null,\"destinationGroup\":\"db\"}"))).isEqualTo("r3 egress any to group db");
        assertThat(ShowCommand.rule(JSON.readTree("{\"ruleId\":\"r4\",\"protocol\":\"ICMP\",\"icmpType\":8,\"icmpCode\":null,"
                + "\"sourceGroup\":\"web\"}"))).as("an older controller's rule, without a direction").isEqualTo("r4 icmp 8 from group web");
    }
}
