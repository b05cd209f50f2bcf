package io.factnet.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Half-open requests: sockets that send part of a request and then nothing. */
public final class Slowloris implements AutoCloseable {
    /** Made once, before the sockets stall: a JDK client's first use loads its TLS classes, seconds on a loaded machine. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Socket> sockets = new ArrayList<>();

    public static Slowloris open(InetSocketAddress server, int count, String partial) throws IOException {
        Slowloris slow = new Slowloris();
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket();
            socket.connect(server, 2000);
            socket.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            slow.sockets.add(socket);
        }
        return slow;
    }

    /** The status of a GET that must answer within {@code within}. */
    public static int get(InetSocketAddress server, String path, Duration within) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path)).timeout(within).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** How many sockets the server closed (end of stream or reset) before {@code deadline} passed. */
    public int closedBy(long deadlineNanos) throws IOException {
        int closed = 0;
        for (Socket socket : sockets) {
            InputStream in = socket.getInputStream();
            while (true) {
                long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return closed;
                }
                socket.setSoTimeout((int) left);
                try {
                    if (in.read() < 0) {
                        closed++;
                        break;
                    }
                } catch (SocketTimeoutException e) {
                    return closed;
                } catch (IOException e) {
                    closed++;
                    break;
                }
            }
        }
        return closed;
    }

    @Override
    public void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
