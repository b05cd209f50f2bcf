package io.factnet.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose request has not arrived whole within {@code timeout} of its opening. The
 * idle timeout alone lets a client that sends a byte every few seconds keep a connection for hours;
 * with one request per connection ({@link HttpService}), this bounds it.
 */
public final class RequestDeadline implements Connection.Listener {
    private final ServerConnector connector;
    private final Duration timeout;
    private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

    public RequestDeadline(ServerConnector connector, Duration timeout) {
        this.connector = connector;
        this.timeout = timeout;
    }

    @Override
    public void onOpened(Connection connection) {
        pending.put(connection, connector.getScheduler().schedule(() -> {
            pending.remove(connection);
            if (connection.getMessagesIn() == 0) {
                connection.getEndPoint().close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task task = pending.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }
}
