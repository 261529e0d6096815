package io.cangku.events;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A real HTTP receiver for webhook tests (here and in the console's browser test) (the JDK's {@code com.sun.net.httpserver}) on 127.0.0.1: records every
 * request per path, and answers each path with a status the test sets (503 plays a receiver that is down), or
 * {@linkplain #stall stalls}: sends its headers and never the body it announced.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as it arrived. */
    public record Received(String path, Map<String, List<String>> headers, byte[] body, int answeredWith) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> answers = new ConcurrentHashMap<>();
    private static final int STALL = -1;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            int status = answers.getOrDefault(path, 200);
            received.add(new Received(path, Map.copyOf(exchange.getRequestHeaders()), body, status));
            if (status == STALL) {
                // a 200 announcing a body that never comes, until the test answers otherwise or stops
                exchange.sendResponseHeaders(200, 16);
                exchange.getResponseBody().flush();
                try {
                    while (answers.getOrDefault(path, 200) == STALL && !closing.await(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        // holding the exchange open
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        // one thread per exchange: a stalled one must not hold up the others
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** From now on, requests to {@code path} are answered {@code status}. */
    public void answer(String path, int status) {
        answers.put(path, status);
    }

    /** From now on, requests to {@code path} get their headers (200) and never the body they announce. */
    public void stall(String path) {
        answers.put(path, STALL);
    }

    /** Requests to {@code path} that were answered 2xx (delivered), in arrival order. */
    public List<Received> accepted(String path) {
        return received.stream().filter(r -> r.path().equals(path) && r.answeredWith() / 100 == 2).toList();
    }

    /** Every request to {@code path}, whatever it was answered. */
    public List<Received> all(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Polls until {@code condition} holds of the delivered requests to {@code path} (fails after a minute). */
    public List<Received> awaitAccepted(String path, Predicate<List<Received>> condition) {
        return await(path, () -> accepted(path), condition);
    }

    /** Polls until {@code condition} holds of every request to {@code path}, whatever it was answered (fails after a minute). */
    public List<Received> awaitRequests(String path, Predicate<List<Received>> condition) {
        return await(path, () -> all(path), condition);
    }

    private List<Received> await(String path, java.util.function.Supplier<List<Received>> requests,
                                 Predicate<List<Received>> condition) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (true) {
            List<Received> now = requests.get();
            if (condition.test(now)) {
                return now;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the receiver did not get the expected requests at " + path + "; it got "
                        + new ArrayList<>(all(path)).stream().map(r -> r.answeredWith() + " " + new String(r.body())).toList());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
