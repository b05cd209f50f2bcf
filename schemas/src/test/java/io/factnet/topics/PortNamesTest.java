package io.factnet.topics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PortNamesTest {
    @Test
    void aPortIsNamedByProjectAndInstanceWithinLinuxsFifteenCharacters() {
        String web = PortNames.of("acme", "web-01");
        assertThat(web).matches("tap[0-9a-f]{10}").hasSizeLessThanOrEqualTo(15);
        assertThat(PortNames.of("acme", "web-01")).as("stable: it stays when the instance moves").isEqualTo(web);
        assertThat(PortNames.of("globex", "web-01")).as("two projects' instances of one name meet on one host").isNotEqualTo(web);
        assertThat(PortNames.of("acme", "web-02")).isNotEqualTo(web);
    }
}
