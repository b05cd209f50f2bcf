package io.factnet.reliability.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.reliability.ChaosSettings;
import io.factnet.reliability.SharedRegistry;
import io.factnet.reliability.Figures;
import io.factnet.reliability.check.ModelCheck;
import io.factnet.reliability.check.NodeCatchUp;
import io.factnet.reliability.check.ReplayCheck;
import io.factnet.reliability.process.Children;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos campaign against factnet as separate processes (broker, two controllers, node agents): one
 * scenario per fault, then all of them mixed, then the bad-input corpus. The scenarios run in order on one
 * cluster (starting a fresh one for each would cost most of the module's time budget); each scenario's
 * checks cover everything sent since the cluster started. See docs/RELIABILITY.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterChaosTest {
    final Children children = new Children();
    final ChaosSettings settings = ChaosSettings.fromSystemProperties();
    Campaign campaign;

    @BeforeAll
    void startTheCluster() {
        campaign = Campaign.start(settings, Campaign.Plan.of(settings), children, SharedRegistry.url(), SharedRegistry.client());
    }

    @AfterAll
    void stopTheCluster() {
        try {
            if (campaign != null) {
                campaign.close();
            }
        } finally {
            children.close();
        }
    }

    /** Check 3 after a phase: its figures join the phase's. */
    ModelCheck.Report modelCheck(String phase, Figures figures) {
        ModelCheck.Report model = ModelCheck.check(campaign.cluster().bootstrapServers(), SharedRegistry.client(), Campaign.PATIENCE);
        figures.put("decisions replayed through the reference model", model.decisions() + " (" + model.projects() + " projects)")
                .put("facts compared with the model", model.factsCompared())
                .put("results unlike the model's, sequence gaps, shared-pool conflicts, fact differences",
                        model.outcomeMismatches().size() + ", " + model.sequenceProblems().size() + ", " + model.conflicts().size()
                                + ", " + model.factDifferences().size());
        figures.writeTo(campaign.dir(phase));
        return model;
    }

    void runAndCheck(String phase) {
        Campaign.PhaseOutcome outcome = campaign.run(campaign.plan().phase(phase));
        ModelCheck.Report model = modelCheck(phase, outcome.figures());
        String replay = settings.replay() + "\n" + outcome.figures();
        assertThat(outcome.faults()).as("faults injected; " + replay).hasSize(outcome.phase().faults().size());
        assertThat(outcome.results().missing()).as("requests without a result; " + replay).isEmpty();
        assertThat(outcome.results().exactlyOnePerSend()).as(outcome.results() + "; " + replay).isTrue();
        assertThat(outcome.state().problems()).as("held twice or inconsistent; " + replay).isEmpty();
        assertThat(outcome.nodes()).as("node agents caught up; " + replay).allMatch(NodeCatchUp.Status::caughtUp);
        assertThat(outcome.replays()).as("nodes equal to a fresh factnet replay; " + outcome.replays() + "; " + replay)
                .allMatch(ReplayCheck.Report::equal);
        assertThat(outcome.recoveries()).as("every fault recovered from; " + replay).allMatch(Optional::isPresent);
        assertThat(outcome.fullRecovery()).as("recovered after the last fault; " + replay).isPresent();
        assertThat(model.equalsTheModel()).as(model + "; " + replay).isTrue();
    }

    @Test
    @Order(1)
    void controllersKilledWithMinus9() {
        runAndCheck(Campaign.CONTROLLER_KILLS);
    }

    @Test
    @Order(2)
    void aControllerStoppedCleanlyAndStartedAgain() {
        runAndCheck(Campaign.CONTROLLER_STOP);
    }

    @Test
    @Order(3)
    void theBrokerKilledWithMinus9AndRestartedOnItsFolder() {
        runAndCheck(Campaign.BROKER_KILL);
    }

    @Test
    @Order(4)
    void aNodeAgentKilledAndRestarted() {
        runAndCheck(Campaign.AGENT_KILL);
    }

    @Test
    @Order(5)
    void aNodeAgentWhoseAppliesFailForAWhile() {
        runAndCheck(Campaign.AGENT_APPLY_FAILS);
    }

    @Test
    @Order(6)
    void allFaultsMixed() {
        runAndCheck(Campaign.MIXED);
    }

    @Test
    @Order(7)
    void badInputBetweenValidRequestsAgainstTheRealController() {
        Campaign.CorpusOutcome outcome = campaign.playCorpus();
        ModelCheck.Report model = modelCheck("corpus", outcome.figures());
        String replay = settings.replay() + "\n" + outcome.figures();
        assertThat(outcome.verdicts().wrong()).as("wrong verdicts; " + replay).isEmpty();
        assertThat(outcome.results().exactlyOnePerSend()).as(outcome.results() + "; " + replay).isTrue();
        assertThat(outcome.state().problems()).as(replay).isEmpty();
        assertThat(outcome.nodes()).as("node agents caught up; " + replay).allMatch(NodeCatchUp.Status::caughtUp);
        assertThat(outcome.replays()).as("nodes equal to a fresh factnet replay; " + outcome.replays() + "; " + replay)
                .allMatch(ReplayCheck.Report::equal);
        assertThat(campaign.cluster().controllers()).as("the controllers never stop; " + replay).allMatch(c -> c.running());
        assertThat(model.equalsTheModel()).as(model + "; " + replay).isTrue();
    }
}
