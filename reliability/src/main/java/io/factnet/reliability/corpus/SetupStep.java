package io.factnet.reliability.corpus;

import java.util.Map;

/**
 * A request the corpus needs answered before it is played (a network, a floating IP, something created
 * and deleted). {@code learn} keeps fields of the result's allocation under names for {@code ${ref:NAME}}.
 */
public record SetupStep(String name, CommandTemplate request, Expectation expect, Map<String, String> learn) {
}
