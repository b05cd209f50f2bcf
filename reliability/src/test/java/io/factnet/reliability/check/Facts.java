package io.factnet.reliability.check;

import io.factnet.model.Allocation;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import io.factnet.reliability.read.Decoded;
import io.factnet.reliability.send.Outgoing;
import io.factnet.reliability.send.Sent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Records for the checkers' unit tests, written by hand as a controller would have written them. */
final class Facts {
    private static final AtomicLong OFFSETS = new AtomicLong();

    private Facts() {
    }

    static Request request(String project, String id) {
        return Request.newBuilder().setRequestId(id).setProject(project).setSubmittedAt(Instant.EPOCH)
                .setCommand(CreateSecurityGroup.newBuilder().setName("g").build()).build();
    }

    static Sent sent(Request request) {
        return new Sent(new Outgoing("requests", request.getProject().getBytes(StandardCharsets.UTF_8), new byte[] {1},
                request, "test"), 0, OFFSETS.getAndIncrement(), 0);
    }

    static Result result(Request request, Reason reason, String address) {
        return Result.newBuilder().setRequestId(request.getRequestId()).setProject(request.getProject())
                .setCommand("CreateSecurityGroup").setStatus(reason == Reason.OK ? Status.ACCEPTED : Status.REJECTED)
                .setReason(reason).setMessage("m").setCompletedAt(Instant.EPOCH)
                .setAllocated(address == null ? null : Allocation.newBuilder().setAddress(address).build()).build();
    }

    static <V> Decoded<V> at(String topic, String key, V value) {
        return new Decoded<>(topic, 0, OFFSETS.getAndIncrement(), key, value, null);
    }
}
