package io.factnet.cli.bench;

import io.factnet.client.OutcomeTracker;
import io.factnet.cli.flow.RequestSender;
import io.factnet.client.Tracked;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.Reason;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Sends a list of requests to the controller, at full speed or paced, and measures each one from its
 * send (paced: its scheduled send, so that a stall of the sender is not hidden) to its result and to
 * its applied ack. An association is sent when its allocation's result brings the address, as a
 * client would: it takes the place of the mix's placeholder address.
 */
final class LoadDriver {
    private final OutcomeTracker tracker;
    private final RequestSender sender;
    private final Runnable healthCheck;

    /** What one phase measured. */
    record Phase(int requests, double seconds, LatencySummary toResult, LatencySummary toApplied,
                 Map<String, LatencySummary> toResultByCommand, Map<Reason, Integer> refused, List<String> refusals) {

        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /**
     * @param healthCheck throws when a part of the benchmark died (run while waiting)
     */
    LoadDriver(OutcomeTracker tracker, RequestSender sender, Runnable healthCheck) {
        this.tracker = tracker;
        this.sender = sender;
        this.healthCheck = healthCheck;
    }

    /**
     * Sends the requests ({@code rate} per second, or all at once when 0), then waits up to
     * {@code timeout} for every result and every applied ack.
     */
    Phase run(List<Request> requests, int rate, Duration timeout) {
        Queue sent = new Queue(requests.size());
        long start = System.nanoTime();
        for (int i = 0; i < requests.size(); i++) {
            Request request = requests.get(i);
            if (request.getCommand() instanceof AssociateFloatingIp) {
                continue; // sent by its allocation's result
            }
            long due = rate > 0 ? start + (long) (i * 1e9 / rate) : 0;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            Tracked tracked = sent.add(tracker.track(request.getRequestId(), rate > 0 ? due : now), request);
            sender.send(request);
            if (request.getCommand() instanceof AllocateFloatingIp && i + 1 < requests.size()
                    && requests.get(i + 1).getCommand() instanceof AssociateFloatingIp associate) {
                Request association = requests.get(i + 1);
                tracked.result().thenAccept(result -> associate(result, association, associate, sent));
            }
        }
        sender.flush();
        long deadline = start + timeout.toNanos();
        sent.awaitAll(true, deadline, healthCheck);
        long lastResult = sent.all.stream().mapToLong(Tracked::resultNanos).max().orElse(start);
        sent.awaitAll(false, deadline, healthCheck);
        List<Tracked> all = List.copyOf(sent.all);
        // by the command sent: the tracker reads of a result only what the driver needs, not its command name
        long[] toResult = all.stream().mapToLong(t -> t.resultNanos() - t.sentNanos()).toArray();
        long[] toApplied = all.stream().filter(Tracked::touchedWatchedNodes)
                .mapToLong(t -> t.appliedNanos() - t.sentNanos()).toArray();
        Map<String, LatencySummary> byCommand = new TreeMap<>();
        all.stream().collect(Collectors.groupingBy(sent.commands::get)).forEach((command, tracked) -> {
            long[] nanos = tracked.stream().mapToLong(t -> t.resultNanos() - t.sentNanos()).toArray();
            byCommand.put(command, LatencySummary.of(nanos, nanos.length));
        });
        return new Phase(all.size(), (lastResult - start) / 1e9, LatencySummary.of(toResult, toResult.length),
                LatencySummary.of(toApplied, toApplied.length), byCommand, new TreeMap<>(sent.refused), List.copyOf(sent.refusals));
    }

    /** Called on the tracker's thread with the allocation's result: the association goes out now, with the real address. */
    private void associate(Result allocation, Request template, AssociateFloatingIp placeholder, Queue sent) {
        if (allocation.getStatus() != Status.ACCEPTED || allocation.getAllocated() == null) {
            sent.skipped(template, "its allocation was refused");
            return;
        }
        Request association = Request.newBuilder(template)
                .setCommand(AssociateFloatingIp.newBuilder(placeholder).setAddress(allocation.getAllocated().getAddress()).build())
                .build();
        sent.add(tracker.track(association.getRequestId(), System.nanoTime()), association);
        sender.send(association);
    }

    /** The requests of a phase as they are sent, and how many are expected in all. */
    private static final class Queue {
        final ConcurrentLinkedQueue<Tracked> all = new ConcurrentLinkedQueue<>();
        /** The command of each request sent (its record's name, as a result names it). */
        final Map<Tracked, String> commands = new ConcurrentHashMap<>();
        final Map<Reason, Integer> refused = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
        final AtomicInteger expected;
        final AtomicInteger results = new AtomicInteger();
        final AtomicInteger applied = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Queue(int expected) {
            this.expected = new AtomicInteger(expected);
        }

        Tracked add(Tracked tracked, Request request) {
            commands.put(tracked, request.getCommand().getClass().getSimpleName());
            all.add(tracked);
            tracked.result().whenComplete((result, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                    return;
                }
                if (result.getStatus() == Status.REJECTED) {
                    refused.merge(result.getReason(), 1, Integer::sum);
                    if (refusals.size() < 5) {
                        refusals.add(result.getRequestId() + " " + result.getCommand() + ": " + result.getReason() + " " + result.getMessage());
                    }
                }
                results.incrementAndGet();
            });
            tracked.applied().whenComplete((done, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else {
                    applied.incrementAndGet();
                }
            });
            return tracked;
        }

        void skipped(Request request, String why) {
            expected.decrementAndGet();
            if (refusals.size() < 5) {
                refusals.add(request.getRequestId() + " not sent: " + why);
            }
        }

        /** Waits until every expected request has its result (or is applied), checking the parts' health. */
        void awaitAll(boolean resultsOnly, long deadline, Runnable healthCheck) {
            AtomicInteger counter = resultsOnly ? results : applied;
            long lastCheck = 0;
            while (counter.get() < expected.get()) {
                Throwable failed = failure.get();
                if (failed != null) {
                    throw new IllegalStateException(failed.getMessage(), failed);
                }
                long now = System.nanoTime();
                if (now - deadline > 0) {
                    List<String> waiting = new ArrayList<>();
                    all.stream().filter(t -> !(resultsOnly ? t.result() : t.applied()).isDone()).limit(3)
                            .forEach(t -> waiting.add(t.requestId() + " waits for " + t.waitingFor()));
                    throw new IllegalStateException(counter.get() + " of " + expected.get() + (resultsOnly ? " results" : " applied")
                            + " before the timeout; " + String.join("; ", waiting));
                }
                if (now - lastCheck > 1_000_000_000L) {
                    healthCheck.run();
                    lastCheck = now;
                }
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }
}
