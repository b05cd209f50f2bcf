package io.factnet.reliability.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.factnet.reliability.ChaosSettings;
import io.factnet.reliability.SharedRegistry;
import io.factnet.reliability.process.Children;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scenario "broker kill -9": the broker process is killed and restarted on its data folder under an
 * exactly-once load; nothing acknowledged may be lost or doubled. See docs/RELIABILITY.md.
 */
class BrokerCrashTest {
    final Children children = new Children();

    @AfterEach
    void cleanUp() {
        children.close();
    }

    @Test
    void everyAcknowledgedRecordIsThereExactlyOnceAfterKillMinus9OfTheBroker() throws Exception {
        ChaosSettings settings = ChaosSettings.fromSystemProperties();
        BrokerCrashScenario.Plan plan = BrokerCrashScenario.Plan.of(settings);
        BrokerCrashScenario.Findings outcome = new BrokerCrashScenario(settings, plan, SharedRegistry.client(), children).run();
        String replay = settings.replay() + "\n" + outcome.figures();

        assertThat(outcome.recoveries()).as("kills done; " + replay).hasSize(plan.kills());
        assertThat(outcome.delivery().exactlyOnce()).as(outcome.delivery() + "; " + replay).isTrue();
        assertThat(outcome.delivery().acknowledged()).as(replay).isGreaterThanOrEqualTo(plan.shape().requests() - 
                outcome.delivery().unknownSent());
        assertThat(outcome.strayPartitionWarnings()).as("Kafka set data aside after kill -9; " + replay).isEmpty();
        assertThat(outcome.topicProblems()).as(replay).isEmpty();
        assertThat(outcome.exitCodeOfCleanStop()).as("SIGTERM stops the broker cleanly; " + replay).isEqualTo(143);
    }
}
