package io.factnet.reliability.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.model.AddRule;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.Allocation;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.topics.RequestRoutes;
import io.factnet.topics.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    static List<Request> all(LoadGenerator generator) {
        List<Request> requests = new ArrayList<>(generator.adminSetup());
        while (generator.hasNext()) {
            requests.add(generator.next());
        }
        return requests;
    }

    @Test
    void theSameSeedGivesTheSameRequestsAndAnotherSeedOthers() {
        LoadShape shape = LoadShape.of(20, 3000);
        List<Request> first = all(new LoadGenerator(42, shape, false, CLOCK));
        assertThat(all(new LoadGenerator(42, shape, false, CLOCK))).isEqualTo(first);
        List<Request> other = all(new LoadGenerator(43, shape, false, CLOCK));
        assertThat(other).hasSameSizeAs(first);
        assertThat(other.stream().map(Request::getCommand).toList()).isNotEqualTo(first.stream().map(Request::getCommand).toList());
        assertThat(first.stream().map(Request::getRequestId).distinct()).as("request ids are unique").hasSize(first.size());
    }

    @Test
    void theAdminSetupComesFirstOnTheAdminTopicAndTheLoadIsMostlyProjectRequests() {
        List<Request> requests = all(new LoadGenerator(7, LoadShape.of(30, 5000), false, CLOCK));
        int setup = Fleet.setupCommands().size();
        assertThat(requests.subList(0, setup)).allSatisfy(r -> {
            assertThat(RequestRoutes.topicOf(r)).isEqualTo(Topics.ADMIN_REQUESTS);
            assertThat(r.getProject()).isEqualTo(RequestRoutes.ADMIN_PROJECT);
        });
        long projectRequests = requests.stream().filter(r -> RequestRoutes.topicOf(r) == Topics.REQUESTS).count();
        assertThat(projectRequests).isGreaterThan(requests.size() * 9L / 10);
        assertThat(requests.stream().map(Request::getProject).filter(p -> !p.equals(RequestRoutes.ADMIN_PROJECT)).distinct().count())
                .isEqualTo(30);
    }

    @Test
    void everyValueLooksValid() {
        for (Request request : all(new LoadGenerator(11, LoadShape.of(10, 5000), false, CLOCK))) {
            assertThat(request.getProject()).matches(p -> NAME.matcher(p).matches() || p.equals(RequestRoutes.ADMIN_PROJECT),
                    "a project name");
            assertThat(request.getRequestId()).matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
            if (request.getCommand() instanceof AllocateFixedIp fixed) {
                assertThat(fixed.getInstance()).matches(NAME);
                if (fixed.getMac() != null) {
                    assertThat(fixed.getMac()).matches(MAC).startsWith("02:");
                }
            } else if (request.getCommand() instanceof AddRule rule) {
                assertThat(rule.getSourceCidr() == null).isNotEqualTo(rule.getSourceGroup() == null);
                if (rule.getFromPort() != null) {
                    assertThat(rule.getFromPort()).isBetween(1, 65535).isLessThanOrEqualTo(rule.getToPort());
                }
            } else if (request.getCommand() instanceof AddVpnPeer peer) {
                assertThat(Base64.getDecoder().decode(peer.getPublicKey())).hasSize(32);
            }
        }
    }

    @Test
    void withResultsFedBackItCoversEveryCommandButAcksAndUsesWhatItLearned() {
        LoadGenerator generator = new LoadGenerator(5, LoadShape.of(8, 20_000), true, CLOCK);
        Set<String> commands = new HashSet<>();
        Set<String> allocatedFloating = new HashSet<>();
        Set<String> associated = new HashSet<>();
        generator.adminSetup().forEach(r -> commands.add(RequestRoutes.commandName(r)));
        int[] next = {1};
        while (generator.hasNext()) {
            Request request = generator.next();
            commands.add(RequestRoutes.commandName(request));
            // a stand-in for the controller's answers: everything is accepted, addresses are counted up
            Allocation.Builder allocated = Allocation.newBuilder();
            if (request.getCommand() instanceof AllocateFloatingIp) {
                String address = "203.0.113." + (next[0]++ % 250 + 2);
                allocatedFloating.add(address);
                allocated.setAddress(address);
            } else if (request.getCommand() instanceof AllocateFixedIp) {
                allocated.setAddress("10.0.0." + (next[0]++ % 250 + 2)).setMac("02:00:00:00:00:01");
            } else if (request.getCommand() instanceof AddRule) {
                allocated.setRuleId("rule-" + next[0]++);
            } else if (request.getCommand() instanceof io.factnet.model.AssociateFloatingIp associate) {
                associated.add(associate.getAddress());
            }
            generator.observe(Result.newBuilder().setRequestId(request.getRequestId()).setProject(request.getProject())
                    .setCommand(RequestRoutes.commandName(request)).setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("ok")
                    .setCompletedAt(CLOCK.instant()).setAllocated(allocated.build()).build());
        }
        Set<String> union = Request.getClassSchema().getField("command").schema().getTypes().stream()
                .map(Schema::getName).collect(Collectors.toSet());
        union.remove(AppliedAck.class.getSimpleName()); // agents' acks are not requests
        assertThat(commands).containsAll(union);
        assertThat(allocatedFloating).containsAll(associated);
    }
}
