package io.factnet.controller.project;

import io.factnet.model.Allocation;
import io.factnet.model.ClaimHop;
import io.factnet.model.Grant;
import io.factnet.model.Reason;
import java.util.List;

/** What a handler made of a request: done (accepted or refused), or waiting for the pools' grant. */
sealed interface Handled {

    record Done(Reason reason, String message, Allocation allocation) implements Handled {
    }

    /**
     * Send a claim along these hops; the request waits at the head of its project's queue. seed: what the claim's grant
     * starts with (a network slot's VLAN and block, ADR 0044), or null.
     */
    record Await(List<ClaimHop> hops, Grant seed) implements Handled {
        Await(List<ClaimHop> hops) {
            this(hops, null);
        }
    }

    static Done accepted(String message, Allocation allocation) {
        return new Done(Reason.OK, message, allocation);
    }

    static Done accepted(String message) {
        return new Done(Reason.OK, message, null);
    }

    static Await await(ClaimHop... hops) {
        return new Await(List.of(hops));
    }
}
