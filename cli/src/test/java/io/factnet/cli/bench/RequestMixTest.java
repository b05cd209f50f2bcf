package io.factnet.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.Request;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RequestMixTest {

    @Test
    void theDefaultMixIsOneNetworkPerFiftyInstancesWithEveryTenthFloating() {
        List<Request> requests = RequestMix.DEFAULT.requests(64 * 3);
        Map<String, Long> byCommand = requests.stream().collect(Collectors.groupingBy(
                r -> r.getCommand().getClass().getSimpleName(), Collectors.counting()));
        assertThat(byCommand).containsEntry("CreateNetwork", 3L).containsEntry("CreateSecurityGroup", 3L)
                .containsEntry("AddRule", 6L).containsEntry("AllocateFixedIp", 150L)
                .containsEntry("AllocateFloatingIp", 15L).containsEntry("AssociateFloatingIp", 15L);
        assertThat(requests.stream().map(Request::getProject).distinct()).hasSize(3);
        assertThat(requests.stream().map(Request::getRequestId).distinct()).hasSize(requests.size());
    }

    @Test
    void eachProjectStartsWithItsNetworkAndAssociatesOnlyItsOwnInstances() {
        List<Request> requests = RequestMix.DEFAULT.requests(200);
        assertThat(requests.get(0).getCommand()).isInstanceOf(CreateNetwork.class);
        assertThat(requests.get(64).getCommand()).isInstanceOf(CreateNetwork.class);
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).getCommand() instanceof AssociateFloatingIp associate) {
                AllocateFixedIp fixed = (AllocateFixedIp) requests.get(i - 2).getCommand();
                assertThat(associate.getInstance()).isEqualTo(fixed.getInstance());
                assertThat(requests.get(i).getProject()).isEqualTo(requests.get(i - 2).getProject());
            }
        }
    }

    @Test
    void latencyPercentilesAreNearestRank() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) {
            nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted
        }
        LatencySummary summary = LatencySummary.of(nanos, 100);
        assertThat(summary.p50Micros()).isEqualTo(50_000);
        assertThat(summary.p99Micros()).isEqualTo(99_000);
        assertThat(summary.maxMicros()).isEqualTo(100_000);
        assertThat(LatencySummary.of(new long[0], 0).samples()).isZero();
    }
}
