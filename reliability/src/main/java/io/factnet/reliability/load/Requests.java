package io.factnet.reliability.load;

import io.factnet.model.Request;
import io.factnet.topics.RequestRoutes;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/** Request envelopes: the id, the project (the admin project for pool-wide commands) and the time. */
public final class Requests {
    private Requests() {
    }

    public static Request envelope(String requestId, String project, Object command, Clock clock) {
        return Request.newBuilder().setRequestId(requestId).setProject(project).setSubmittedAt(clock.instant())
                .setCommand(command).build();
    }

    /** A pool-wide admin command under the admin project. */
    public static Request admin(String requestId, Object command, Clock clock) {
        return envelope(requestId, RequestRoutes.ADMIN_PROJECT, command, clock);
    }

    /** The topics requests travel on (project, admin, node events), as {@link RequestRoutes} routes them. */
    public static List<String> topicNames() {
        return Arrays.stream(RequestRoutes.Scope.values()).map(scope -> scope.topic().name()).distinct().toList();
    }
}
