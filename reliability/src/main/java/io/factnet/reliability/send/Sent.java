package io.factnet.reliability.send;

import io.factnet.model.Request;

/** A record the broker acknowledged (its transaction committed): where it is and what it carried. */
public record Sent(Outgoing record, int partition, long offset, long committedAtMillis) {

    public Request request() {
        return record.request();
    }

    public String topic() {
        return record.topic();
    }
}
