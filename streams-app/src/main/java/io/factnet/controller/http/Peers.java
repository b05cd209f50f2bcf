package io.factnet.controller.http;

import io.factnet.http.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another controller instance (at its {@code application.server}) for what it holds. The request
 * carries {@link #FORWARDED}, so the peer answers from its own stores and never forwards it again.
 */
final class Peers {
    static final String FORWARDED = "X-Factnet-Forwarded";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String self;

    Peers(HostInfo self) {
        this.self = self.host() + ":" + self.port();
    }

    Reply get(HostInfo peer, String pathAndQuery) {
        String where = peer.host() + ":" + peer.port();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + where + pathAndQuery)).timeout(TIMEOUT)
                .header(FORWARDED, self).GET().build();
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(Reply.JSON_TYPE));
        } catch (HttpTimeoutException e) {
            throw ApiException.unavailable("controller " + where + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw ApiException.unavailable("controller " + where + " cannot be reached: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted asking controller " + where);
        }
    }
}
