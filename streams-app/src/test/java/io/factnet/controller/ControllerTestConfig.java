package io.factnet.controller;

import java.nio.file.Path;
import java.util.Properties;

/** Settings of controllers that tests run on the embedded broker: one stream thread, 4 partitions, a short session. */
public final class ControllerTestConfig {
    private ControllerTestConfig() {
    }

    public static Properties properties(String bootstrapServers, String registryScope, Path stateDir, String applicationId) {
        Properties props = new Properties();
        props.setProperty("bootstrap.servers", bootstrapServers);
        props.setProperty("schema.registry.url", "mock://" + registryScope);
        props.setProperty("state.dir", stateDir.toString());
        props.setProperty("application.id", applicationId);
        props.setProperty("num.stream.threads", "1");
        // A closed member's LeaveGroup is not always acted on at once; a short session bounds the takeover.
        props.setProperty("session.timeout.ms", "6000");
        props.setProperty("heartbeat.interval.ms", "1000");
        props.setProperty(ControllerConfig.TOPIC_PARTITIONS, "4");
        return props;
    }
}
