package io.factnet.controller;

import io.factnet.controller.stage.CommitPacing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ControllerConfigTest {

    static Properties minimal() {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", "k:9092");
        props.setProperty("schema.registry.url", "http://registry:8081");
        return props;
    }

    @Test
    void splitsControllerRegistryAndKafkaPropertiesAndFillsInDefaults() {
        Properties props = minimal();
        props.setProperty("basic.auth.user.info", "u:p");
        props.setProperty("num.stream.threads", "3");
        props.setProperty(ControllerConfig.HOLD_DOWN_MS, "1000");
        ControllerConfig config = ControllerConfig.from(props);
        assertThat(config.registry()).containsEntry("schema.registry.url", "http://registry:8081")
                .containsEntry("basic.auth.user.info", "u:p")
                .containsEntry("schema.registry.request.timeout.ms", ControllerConfig.DEFAULT_REGISTRY_TIMEOUT_MS);
        props.setProperty("schema.registry.request.timeout.ms", "700");
        assertThat(ControllerConfig.from(props).registry()).containsEntry("schema.registry.request.timeout.ms", "700");
        Properties streams = config.streamsProperties();
        assertThat(streams).containsEntry("num.stream.threads", "3").containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("ensure.explicit.internal.resource.naming", true)
                .containsEntry("application.id", ControllerConfig.DEFAULT_APPLICATION_ID)
                .doesNotContainKey("schema.registry.url").doesNotContainKey(ControllerConfig.HOLD_DOWN_MS);
        assertThat(config.fixedIpHoldDown()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.idempotencyRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(config.inMemoryStores()).isFalse();
        assertThat(config.releaseGoneAfter().isNegative()).as("down instances keep their address unless the operator says").isTrue();
        assertThat(config.topicPartitions()).isEqualTo(4);
        assertThat(config.eventRetention()).isEqualTo(Duration.ofDays(7));
        props.setProperty(ControllerConfig.EVENT_RETENTION_MS, "-1");
        assertThat(ControllerConfig.from(props).eventRetention().isNegative()).isTrue();
        assertThat(config.nodeHistory()).isEqualTo(Duration.ofDays(7));
        props.setProperty(ControllerConfig.NODE_HISTORY_MS, "3600000");
        assertThat(ControllerConfig.from(props).nodeHistory()).isEqualTo(Duration.ofHours(1));
        props.setProperty(ControllerConfig.NODE_HISTORY_MS, "-1");
        assertThatThrownBy(() -> ControllerConfig.from(props)).hasMessageContaining(ControllerConfig.NODE_HISTORY_MS)
                .hasMessageContaining("min.compaction.lag.ms");
        assertThat(config.adminProperties()).containsOnlyKeys("bootstrap.servers");
    }

    @Test
    void aLightThreadCommitsEvery20MsABusyOneEvery100UnlessTheOperatorSaysOtherwise() {
        ControllerConfig config = ControllerConfig.from(minimal());
        assertThat(config.streamsProperties()).containsEntry("commit.interval.ms", 100).containsEntry("poll.ms", 5);
        assertThat(config.commitPacing()).isEqualTo(new CommitPacing(20, 0.5, 100));

        Properties fixed = minimal();
        fixed.setProperty("commit.interval.ms", "20");
        fixed.setProperty(ControllerConfig.COMMIT_QUICK_MS, "0");
        assertThat(ControllerConfig.from(fixed).commitPacing().adaptive()).as("ADR 0016's fixed 20 ms").isFalse();
        assertThat(ControllerConfig.from(fixed).commitPacing().intervalMillis()).isEqualTo(20);
        assertThat(ControllerConfig.from(fixed).streamsProperties()).doesNotContainKey(ControllerConfig.COMMIT_QUICK_MS);

        Properties share = minimal();
        share.setProperty(ControllerConfig.COMMIT_BUSY_SHARE, "1.5");
        assertThatThrownBy(() -> ControllerConfig.from(share)).hasMessageContaining(ControllerConfig.COMMIT_BUSY_SHARE);
    }

    @Test
    void theProducerRetriesAfter20MsUnlessTheOperatorSaysOtherwise() {
        assertThat(ControllerConfig.from(minimal()).streamsProperties())
                .containsEntry("producer.retry.backoff.ms", ControllerConfig.DEFAULT_PRODUCER_RETRY_BACKOFF_MS)
                .doesNotContainKey("retry.backoff.ms").doesNotContainKey("producer.retry.backoff.max.ms");

        Properties global = minimal();
        global.setProperty("retry.backoff.ms", "500"); // every client's: a prefixed default would override it for the producer
        assertThat(ControllerConfig.from(global).streamsProperties()).containsEntry("retry.backoff.ms", "500")
                .doesNotContainKey("producer.retry.backoff.ms");

        Properties producer = minimal();
        producer.setProperty("producer.retry.backoff.ms", "100");
        assertThat(ControllerConfig.from(producer).streamsProperties()).containsEntry("producer.retry.backoff.ms", "100");
    }

    @Test
    void theEnvironmentOverridesTheFile() {
        Properties merged = ControllerConfig.withEnvironment(minimal(), Map.of(
                "FACTNET_BOOTSTRAP_SERVERS", "other:9092",
                "FACTNET_SCHEMA_REGISTRY_URL", "mock://env",
                "FACTNET_STORES_IN_MEMORY", "true",
                "FACTNET_KAFKA_NUM_STREAM_THREADS", "2",
                "FACTNET_INSTANCE_GONE_RELEASE_AFTER_MS", "3600000",
                "PATH", "/usr/bin"));
        ControllerConfig config = ControllerConfig.from(merged);
        assertThat(config.streams()).containsEntry("bootstrap.servers", "other:9092").containsEntry("num.stream.threads", "2")
                .doesNotContainKey("path");
        assertThat(config.registry()).containsEntry("schema.registry.url", "mock://env");
        assertThat(config.inMemoryStores()).isTrue();
        assertThat(config.releaseGoneAfter()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void refusesAConfigWithoutBrokerOrRegistry() {
        Properties noRegistry = new Properties();
        noRegistry.setProperty("bootstrap.servers", "k:9092");
        assertThatThrownBy(() -> ControllerConfig.from(noRegistry)).hasMessageContaining("schema.registry.url");
        Properties noBroker = new Properties();
        noBroker.setProperty("schema.registry.url", "mock://x");
        assertThatThrownBy(() -> ControllerConfig.from(noBroker)).hasMessageContaining("bootstrap.servers");
    }
}
