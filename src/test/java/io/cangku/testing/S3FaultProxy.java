package io.cangku.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 between the registry and an S3 server that misbehaves as S3 does under load: it
 * answers some requests {@code 503 SlowDown} (with S3's XML error body) without passing them on, and cuts
 * some connections in the middle of the server's response, after the server acted on the request. It speaks
 * just enough HTTP/1.1 to find where each request and response ends (Content-Length or chunked), so faults
 * fall on single requests of a kept-alive connection. Decisions come from one seeded {@link Random}.
 */
public final class S3FaultProxy implements AutoCloseable {

    private static final byte[] SLOW_DOWN_BODY = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Random random;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private volatile double slowDownRate;
    private volatile double cutRate;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();

    /** Proxies to {@code target}'s host and port; faults start off ({@link #faults}). */
    public S3FaultProxy(URI target, long seed) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.submit(this::accept);
    }

    /** From now on, answer {@code slowDown} of requests 503 and cut the response of {@code cut} of them. */
    public void faults(double slowDown, double cut) {
        this.slowDownRate = slowDown;
        this.cutRate = cut;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public int requests() {
        return requests.get();
    }

    public int slowDowns() {
        return slowDowns.get();
    }

    public int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private enum Fault { NONE, SLOW_DOWN, CUT }

    private Fault nextFault() {
        synchronized (random) {
            double r = random.nextDouble();
            if (r < slowDownRate) {
                return Fault.SLOW_DOWN;
            }
            return r < slowDownRate + cutRate ? Fault.CUT : Fault.NONE;
        }
    }

    private void serve(Socket client) {
        try (client; Socket upstream = new Socket(target.getAddress(), target.getPort())) {
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            InputStream fromServer = upstream.getInputStream();
            OutputStream toServer = upstream.getOutputStream();
            while (true) {
                Head request = Head.read(fromClient);
                if (request == null) {
                    return;
                }
                requests.incrementAndGet();
                Fault fault = nextFault();
                if (request.has("expect", "100-continue")) {
                    toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    toClient.flush();
                }
                if (fault == Fault.SLOW_DOWN) {
                    copyBody(request, fromClient, OutputStream.nullOutputStream(), Long.MAX_VALUE);
                    slowDowns.incrementAndGet();
                    boolean head = request.startLine().startsWith("HEAD ");
                    toClient.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                            + (head ? 0 : SLOW_DOWN_BODY.length) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    if (!head) {
                        toClient.write(SLOW_DOWN_BODY);
                    }
                    toClient.flush();
                    continue;
                }
                toServer.write(request.bytes());
                copyBody(request, fromClient, toServer, Long.MAX_VALUE);
                toServer.flush();
                Head response;
                do {
                    response = Head.read(fromServer);
                    if (response == null) {
                        return;
                    }
                } while (response.status() >= 100 && response.status() < 200 && !response.startLine().contains(" 101 "));
                boolean headRequest = request.startLine().startsWith("HEAD ");
                if (fault == Fault.CUT) {
                    cuts.incrementAndGet();
                    // the server acted; the client sees half an answer: headers only, or part of the body
                    byte[] head = response.bytes();
                    long bodyLength = response.contentLength();
                    if (headRequest || bodyLength == 0) {
                        toClient.write(head, 0, head.length / 2);
                    } else {
                        toClient.write(head);
                        copyBody(response, fromServer, toClient, bodyLength > 0 ? bodyLength / 2 : 20);
                    }
                    toClient.flush();
                    return; // closing both sockets drops the rest
                }
                toClient.write(response.bytes());
                if (!headRequest && response.status() != 204 && response.status() != 304) {
                    copyBody(response, fromServer, toClient, Long.MAX_VALUE);
                }
                toClient.flush();
                if (response.has("connection", "close") || request.has("connection", "close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // one side went away: so does the other
        }
    }

    /** Copies the message body that follows {@code head}, at most {@code limit} bytes of it. */
    private static void copyBody(Head head, InputStream in, OutputStream out, long limit) throws IOException {
        long length = head.contentLength();
        if (length >= 0) {
            copy(in, out, Math.min(length, limit));
            return;
        }
        if (!head.has("transfer-encoding", "chunked")) {
            return; // no body
        }
        long sent = 0;
        while (sent < limit) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                for (String trailer = readLine(in); !trailer.isEmpty(); trailer = readLine(in)) {
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            copy(in, out, Math.min(size, limit - sent));
            sent += size;
            if (sent >= limit) {
                return;
            }
            readLine(in);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void copy(InputStream in, OutputStream out, long count) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = count;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("stream ended with " + left + " bytes to go");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
    }

    /** The start line and headers of a request or response, as received. */
    private record Head(String startLine, java.util.Map<String, String> headers, byte[] bytes) {

        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            String start;
            try {
                start = readLine(in);
            } catch (IOException e) {
                return null; // the peer closed between messages
            }
            raw.write((start + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            java.util.Map<String, String> headers = new java.util.HashMap<>();
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                raw.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int colon = line.indexOf(':');
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                        (a, b) -> a + "," + b);
            }
            raw.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return new Head(start, headers, raw.toByteArray());
        }

        boolean has(String name, String value) {
            String v = headers.get(name);
            return v != null && v.toLowerCase(Locale.ROOT).contains(value);
        }

        long contentLength() {
            String v = headers.get("content-length");
            return v == null ? -1 : Long.parseLong(v.trim());
        }

        int status() {
            String[] parts = startLine.split(" ");
            return parts.length > 1 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
