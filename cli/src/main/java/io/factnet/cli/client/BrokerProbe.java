package io.factnet.cli.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that something listens at the bootstrap addresses before a Kafka client is made: a client
 * would retry a refused connection until its own timeouts run out, logging all the while, where a
 * user wants one line at once ("no Kafka broker at 127.0.0.1:9092").
 */
public final class BrokerProbe {
    private BrokerProbe() {
    }

    /** Returns when one of the addresses accepts a TCP connection; throws {@link NoBrokerException} otherwise. */
    public static void requireReachable(String bootstrapServers, Duration timeout) {
        List<String> failures = new ArrayList<>();
        for (String server : bootstrapServers.split(",")) {
            String address = server.trim();
            if (address.isEmpty()) {
                continue;
            }
            String failure = tryConnect(address, timeout);
            if (failure == null) {
                return;
            }
            failures.add(address + " (" + failure + ")");
        }
        throw new NoBrokerException("no Kafka broker at " + String.join(", ", failures));
    }

    private static String tryConnect(String address, Duration timeout) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            return "not host:port";
        }
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return "port is not a number";
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return null;
        } catch (UnknownHostException e) {
            return "unknown host";
        } catch (ConnectException e) {
            return "connection refused";
        } catch (SocketTimeoutException e) {
            return "no answer within " + timeout.toMillis() + " ms";
        } catch (IOException e) {
            return e.getMessage();
        } catch (IllegalArgumentException e) {
            return "port out of range";
        }
    }

    /** Nothing listens at any bootstrap address. */
    public static final class NoBrokerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NoBrokerException(String message) {
            super(message);
        }
    }
}
