package io.factnet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.DeadLetter;
import io.factnet.model.Request;
import io.factnet.registry.SchemaRegistryException;
import io.factnet.serde.OversizedValues;
import io.factnet.topics.Topics;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** Issue 16: records that declare more than they hold, and a registry that gives no answer, in the whole topology. */
class PoisonPillTest extends TopologyTestBase {

    private int requestSchemaId() {
        return d.registry.register(Topics.REQUESTS.valueSubject(), Request.getClassSchema());
    }

    @Test
    void aThirteenByteRecordIsADeadLetterAndTheNextRequestOfItsProjectIsAnswered() {
        standardPools();
        int id = requestSchemaId();
        List<IntFunction<byte[]>> shapes = List.of(OversizedValues::string, OversizedValues::array, OversizedValues::map,
                OversizedValues::nestedString, OversizedValues::sizedBlock);
        for (IntFunction<byte[]> shape : shapes) {
            long began = System.nanoTime();
            assertThat(d.pipeRaw(Topics.REQUESTS, "p1", shape.apply(id))).isEmpty();
            System.out.printf("poison record piped through the topology in %d us%n", (System.nanoTime() - began) / 1000);
        }
        accepted(fixedIp("p1", "vm1"));
        assertThat(d.allDeadLetters).hasSize(shapes.size());
        DeadLetter first = d.allDeadLetters.get(0);
        assertThat(first.getValue().remaining()).isEqualTo(13);
        assertThat(first.getError()).contains("cannot decode 13 bytes")
                .contains("a string at byte 5 declares " + OversizedValues.HUGE + " bytes; 3 are left");
        assertThat(d.allDeadLetters.subList(1, shapes.size())).extracting(DeadLetter::getError)
                .allSatisfy(error -> assertThat(error).contains("declares " + OversizedValues.HUGE));
    }

    @Test
    void aRegistryThatGivesNoAnswerForAMomentIsRetriedAndTheRequestAnswered() {
        FlakyRegistry flaky = flakyDriver();
        flaky.failLookupsOf(requestSchemaId(), 3);
        accepted(d.submit("p1", CreateSecurityGroup.newBuilder().setName("web").build()));
        assertThat(flaky.failed).hasValue(3);
        assertThat(d.allDeadLetters).isEmpty();
    }

    @Test
    void aRegistryDownLongerThanTheRetriesFailsTheRecordWithoutADeadLetterAndItIsAnsweredOnceTheRegistryIsBack() {
        FlakyRegistry flaky = flakyDriver();
        flaky.failLookupsOf(requestSchemaId(), Integer.MAX_VALUE);
        Request request = d.request("p1", CreateSecurityGroup.newBuilder().setName("web").build());
        long began = System.nanoTime();
        assertThatThrownBy(() -> d.pipe(Topics.REQUESTS, "p1", request))
                .satisfies(e -> assertThat(SchemaRegistryException.unavailableIn(e)).as("%s", e).isTrue());
        System.out.printf("registry down: the record failed (not dead-lettered) after %d ms and %d lookups%n",
                (System.nanoTime() - began) / 1_000_000, flaky.failed.get());
        assertThat(flaky.failed.get()).isGreaterThan(3);
        assertThat(d.allDeadLetters).isEmpty();
        assertThat(d.allResults).isEmpty();
        flaky.recover();
        accepted(d.submit(Topics.REQUESTS, request)); // what the replaced stream thread does: it reads the record again
        assertThat(d.allDeadLetters).isEmpty();
    }

    private FlakyRegistry flakyDriver() {
        d.close();
        FlakyRegistry[] flaky = new FlakyRegistry[1];
        d = new ControllerDriver(Map.of(), registry -> flaky[0] = new FlakyRegistry(registry));
        return flaky[0];
    }
}
