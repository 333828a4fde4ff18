package dev.tollgate.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 between a gateway and a real broker that loses the broker's answers to online charges
 * ({@code POST /v1/charges}; every other request passes): it forwards the request, reads the broker's whole answer
 * (so the broker has committed the charge) and then resets the gateway's connection instead of passing the answer
 * on. It can also hold charge requests back and deliver them later, as a slow network would. One request per
 * connection: the proxy asks the broker to close after answering. Thread-safe.
 */
final class AnswerDroppingProxy implements AutoCloseable {

    private static final String CHARGES = "POST /v1/charges ";

    private final ServerSocket server;
    private final int upstreamPort;
    private final AtomicInteger answersToDrop = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile boolean holding;
    private final List<byte[]> held = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

    AnswerDroppingProxy(URI upstream) throws IOException {
        this.upstreamPort = upstream.getPort();
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "answer-dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The proxy's base URI: use it instead of the broker's. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The answers to the next {@code n} charge requests are lost after the broker made them. */
    void dropAnswers(int n) {
        answersToDrop.set(n);
    }

    /** How many answers were lost so far. */
    int dropped() {
        return dropped.get();
    }

    /** While on, charge requests are kept back (not sent to the broker, not answered). */
    void hold(boolean value) {
        holding = value;
    }

    /** Sends the charge requests kept back to the broker now; returns the broker's status for each. */
    List<Integer> deliverHeld() throws IOException {
        List<byte[]> requests;
        synchronized (held) {
            requests = List.copyOf(held);
            held.clear();
        }
        List<Integer> statuses = new ArrayList<>();
        for (byte[] request : requests) {
            byte[] answer = exchange(request);
            String statusLine = new String(answer, 0, Math.min(answer.length, 20), StandardCharsets.US_ASCII);
            statuses.add(Integer.parseInt(statusLine.substring(9, 12)));
        }
        return statuses;
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            Thread t = new Thread(() -> serve(client), "answer-dropping-proxy-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket client) {
        try {
            byte[] request = readRequest(client.getInputStream());
            if (request == null) {
                client.close();
                return;
            }
            boolean charge = new String(request, 0, Math.min(request.length, CHARGES.length()),
                    StandardCharsets.US_ASCII).equals(CHARGES);
            if (charge && holding) {
                held.add(request);
                return; // never answered: the gateway times out
            }
            byte[] answer = exchange(request);
            if (charge && answersToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                dropped.incrementAndGet();
                client.setSoLinger(true, 0);
                client.close(); // a reset instead of the answer the broker made
                return;
            }
            OutputStream out = client.getOutputStream();
            out.write(answer);
            out.flush();
            client.close();
        } catch (IOException e) {
            try {
                client.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** Sends one request to the broker and reads its whole answer (the broker closes after it). */
    private byte[] exchange(byte[] request) throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            upstream.getOutputStream().write(request);
            upstream.getOutputStream().flush();
            return upstream.getInputStream().readAllBytes();
        }
    }

    /**
     * Reads one HTTP/1.1 request (head and a Content-Length body) and rewrites its head to ask the broker to close
     * after answering (no upgrade to h2c). {@code null} if the connection closed first.
     */
    private static byte[] readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        StringBuilder rewritten = new StringBuilder(lines[0]).append("\r\n");
        int length = 0;
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].split(":", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (name.equals("content-length")) {
                length = Integer.parseInt(lines[i].split(":", 2)[1].trim());
            }
            if (!name.equals("connection") && !name.equals("upgrade") && !name.equals("http2-settings")) {
                rewritten.append(lines[i]).append("\r\n");
            }
        }
        rewritten.append("Connection: close\r\n\r\n");
        byte[] body = in.readNBytes(length);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(rewritten.toString().getBytes(StandardCharsets.US_ASCII));
        request.write(body);
        return request.toByteArray();
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
