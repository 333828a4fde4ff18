package dev.tollgate.buyer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A keep-alive HTTP/1.1 proxy for GETs with {@code Content-Length} answers that, when armed, lets the next paid
 * request (one with {@code PAYMENT-SIGNATURE}, or a compact PayWord word in {@code TOLLGATE-PAYWORD}) reach the
 * seller and be served, then closes the buyer's connection without a byte of the answer: the answer is lost after
 * the payment.
 */
final class AnswerDroppingProxy implements AutoCloseable {

    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");

    private final ServerSocket server;
    private final int upstreamPort;
    private final AtomicBoolean armed = new AtomicBoolean();

    AnswerDroppingProxy(URI upstream) throws IOException {
        this.upstreamPort = upstream.getPort();
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "answer-dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    /** Drops the answer to the next paid request. */
    void dropNextPaidAnswer() {
        armed.set(true);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "answer-dropping-proxy-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            InputStream fromUpstream = upstream.getInputStream();
            OutputStream toUpstream = upstream.getOutputStream();
            while (true) {
                byte[] request = head(fromClient);
                if (request == null) {
                    return;
                }
                toUpstream.write(request);
                toUpstream.flush();
                byte[] head = head(fromUpstream);
                if (head == null) {
                    return;
                }
                Matcher length = LENGTH.matcher(new String(head, StandardCharsets.ISO_8859_1));
                byte[] body = fromUpstream.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                String text = new String(request, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                boolean paid = text.contains("\npayment-signature:") || text.contains("\ntollgate-payword:");
                if (paid && armed.compareAndSet(true, false)) {
                    return; // served and charged upstream; the buyer gets nothing
                }
                toClient.write(head);
                toClient.write(body);
                toClient.flush();
            }
        } catch (IOException e) {
            // a side closed: the connection ends
        }
    }

    /** The bytes up to and including the blank line ending a head, or null at the end of the stream. */
    private static byte[] head(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            out.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
            if (matched == 4) {
                return out.toByteArray();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
