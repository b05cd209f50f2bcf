package io.factnet.topics;

import io.factnet.model.AppliedAck;
import io.factnet.model.DefineFloatingPool;
import io.factnet.model.DefineSupernet;
import io.factnet.model.DefineVlanRange;
import io.factnet.model.InstanceBack;
import io.factnet.model.InstanceGone;
import io.factnet.model.LeaseGranted;
import io.factnet.model.LeaseReleased;
import io.factnet.model.MoveNetwork;
import io.factnet.model.RegisterNode;
import io.factnet.model.Request;
import io.factnet.model.SetProjectQuota;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Which topic each command of {@link Request#getCommand()} travels on, and under which key. Admin
 * commands have their own topic so that an ACL can keep them to operators; node events come from the
 * agents; everything else is a project request. A command not listed here is a project request, so a
 * new project command needs no change here.
 */
public final class RequestRoutes {
    private RequestRoutes() {
    }

    /** The project of pool-wide admin commands, which belong to no project. */
    public static final String ADMIN_PROJECT = "_admin";

    /**
     * The longest request id the controller answers under the id as sent. Valid ids have 1-128 characters; a longer
     * one is refused, keyed by the whole id up to this bound (so the sender finds the refusal) and by its first
     * characters beyond it, which keeps the result a small record. The client libraries refuse to send longer ids.
     */
    public static final int MAX_ANSWERED_REQUEST_ID = 1024;

    public enum Scope {
        /** Pool-wide admin command: factnet.admin-requests, project {@value #ADMIN_PROJECT} unless given. */
        POOL_ADMIN(true),
        /** Admin command about one project (the envelope's): factnet.admin-requests, project required. */
        PROJECT_ADMIN(false),
        /** A project's own request: factnet.requests, project required. */
        PROJECT(false),
        /** An event a node agent reports: factnet.node-events, project required. */
        NODE_EVENT(false),
        /** A node agent's applied ack: factnet.node-events, keyed by node and role, project {@value #ADMIN_PROJECT} unless given. */
        NODE_ACK(true);

        private final boolean projectOptional;

        Scope(boolean projectOptional) {
            this.projectOptional = projectOptional;
        }

        /** True when the envelope's project may be left out and defaults to {@value #ADMIN_PROJECT}. */
        public boolean projectOptional() {
            return projectOptional;
        }

        public Topic<String, Request> topic() {
            return switch (this) {
                case POOL_ADMIN, PROJECT_ADMIN -> Topics.ADMIN_REQUESTS;
                case PROJECT -> Topics.REQUESTS;
                case NODE_EVENT, NODE_ACK -> Topics.NODE_EVENTS;
            };
        }
    }

    private static final Map<String, Scope> SCOPES = Map.ofEntries(
            Map.entry(DefineVlanRange.class.getSimpleName(), Scope.POOL_ADMIN),
            Map.entry(DefineSupernet.class.getSimpleName(), Scope.POOL_ADMIN),
            Map.entry(DefineFloatingPool.class.getSimpleName(), Scope.POOL_ADMIN),
            Map.entry(RegisterNode.class.getSimpleName(), Scope.POOL_ADMIN),
            Map.entry(MoveNetwork.class.getSimpleName(), Scope.PROJECT_ADMIN),
            Map.entry(SetProjectQuota.class.getSimpleName(), Scope.PROJECT_ADMIN),
            Map.entry(LeaseGranted.class.getSimpleName(), Scope.NODE_EVENT),
            Map.entry(LeaseReleased.class.getSimpleName(), Scope.NODE_EVENT),
            Map.entry(InstanceGone.class.getSimpleName(), Scope.NODE_EVENT),
            Map.entry(InstanceBack.class.getSimpleName(), Scope.NODE_EVENT),
            Map.entry(AppliedAck.class.getSimpleName(), Scope.NODE_ACK));

    /** The scope of a command by its record's simple name, e.g. {@code AllocateFloatingIp}. */
    public static Scope scopeOf(String commandName) {
        return SCOPES.getOrDefault(commandName, Scope.PROJECT);
    }

    public static Scope scopeOf(Request request) {
        return scopeOf(((SpecificRecord) request.getCommand()).getSchema().getName());
    }

    public static Topic<String, Request> topicOf(Request request) {
        return scopeOf(request).topic();
    }

    /** The record key: the project, except for applied acks, keyed {@code <node-id>/<role>} (lower case). */
    public static String keyOf(Request request) {
        if (request.getCommand() instanceof AppliedAck ack) {
            return NodeKeys.key(ack.getNodeId(), ack.getRole().name().toLowerCase(Locale.ROOT));
        }
        return request.getProject();
    }

    /**
     * The partition a record with this key must be in: murmur2 of the key's UTF-8 bytes, made positive, modulo
     * the partition count, as Java's default partitioner places a keyed record (librdkafka: {@code
     * partitioner=murmur2_random}). The controller keeps each project's state in the task of this partition and
     * refuses a request found in another one; producers of other languages must place their records this way.
     */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The command's record name, as a result names it: {@code AllocateFloatingIp}. */
    public static String commandName(Request request) {
        return ((SpecificRecord) request.getCommand()).getSchema().getName();
    }
}
