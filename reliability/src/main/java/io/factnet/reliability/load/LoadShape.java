package io.factnet.reliability.load;

/**
 * The size of a load: how many projects share the pools, and how many requests to send.
 *
 * @param projects            projects that make requests (names p000, p001, ...)
 * @param requests            project requests after the admin setup
 * @param adminEvery          roughly one admin request (quota, network move) per this many requests
 */
public record LoadShape(int projects, int requests, int adminEvery) {

    public LoadShape {
        if (projects < 1 || projects > 1000 || requests < 0 || adminEvery < 1) {
            throw new IllegalArgumentException("1..1000 projects, requests >= 0, adminEvery >= 1: " + projects + ", "
                    + requests + ", " + adminEvery);
        }
    }

    public static LoadShape of(int projects, int requests) {
        return new LoadShape(projects, requests, 200);
    }
}
