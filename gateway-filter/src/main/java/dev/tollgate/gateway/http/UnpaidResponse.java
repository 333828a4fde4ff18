package dev.tollgate.gateway.http;

import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * The response the app writes a {@code paywall: app} page into: its status is locked at the 402 already set, the
 * headers that say what is paid and cached are the filter's, and its body is held here, at most
 * {@link #MAX_BODY_BYTES}, for {@link AppPaywall} to send or discard. Nothing reaches the client while the app runs.
 * One request's; not thread-safe.
 */
final class UnpaidResponse extends HttpServletResponseWrapper {

    /** The most a paywall page the app renders may take; more is discarded, and the filter's page sent. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    /** What says what is paid, cached or sent: the filter's alone. */
    private static final Set<String> LOCKED_HEADERS = Set.of("cache-control", "content-length", "content-range",
            PaymentHeaders.PAYMENT_REQUIRED.toLowerCase(Locale.ROOT),
            PaymentHeaders.PAYMENT_RESPONSE.toLowerCase(Locale.ROOT));

    private final Body body = new Body();
    private PrintWriter writer;
    private boolean usedStream;

    UnpaidResponse(HttpServletResponse response) {
        super(response);
    }

    /** What the app wrote, if it fit. */
    byte[] body() {
        if (writer != null) {
            writer.flush();
        }
        return body.bytes.toByteArray();
    }

    boolean overflowed() {
        if (writer != null) {
            writer.flush();
        }
        return body.overflowed;
    }

    // The status stays 402: nothing the app calls turns an unpaid request into a success, an error page or a redirect.
    @Override
    public void setStatus(int sc) {
    }

    @Override
    public void sendError(int sc, String msg) {
    }

    @Override
    public void sendError(int sc) {
    }

    @Override
    public void sendRedirect(String location) {
    }

    /** Servlet 6.1's forms: declared, so they are not passed to the real response where a 6.1 container has them. */
    public void sendRedirect(String location, int sc, boolean clearBuffer) {
    }

    public void sendRedirect(String location, boolean clearBuffer) {
    }

    public void sendRedirect(String location, int sc) {
    }

    @Override
    public void setHeader(String name, String value) {
        if (!locked(name)) {
            super.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (!locked(name)) {
            super.addHeader(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (!locked(name)) {
            super.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (!locked(name)) {
            super.addIntHeader(name, value);
        }
    }

    @Override
    public void setDateHeader(String name, long date) {
        if (!locked(name)) {
            super.setDateHeader(name, date);
        }
    }

    @Override
    public void addDateHeader(String name, long date) {
        if (!locked(name)) {
            super.addDateHeader(name, date);
        }
    }

    private static boolean locked(String name) {
        return name == null || LOCKED_HEADERS.contains(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public void setContentLength(int len) {
    }

    @Override
    public void setContentLengthLong(long len) {
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was called already");
        }
        usedStream = true;
        return body;
    }

    @Override
    public PrintWriter getWriter() {
        if (usedStream) {
            throw new IllegalStateException("getOutputStream() was called already");
        }
        if (writer == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            writer = new PrintWriter(new OutputStreamWriter(body, charset));
        }
        return writer;
    }

    @Override
    public void flushBuffer() {
        if (writer != null) {
            writer.flush();
        }
    }

    @Override
    public boolean isCommitted() {
        return false;
    }

    @Override
    public void reset() {
        resetBuffer();
    }

    @Override
    public void resetBuffer() {
        if (writer != null) {
            writer.flush();
        }
        body.bytes.reset();
        body.overflowed = false;
    }

    /** The held body: bytes past {@link #MAX_BODY_BYTES} mark it overflowed and are dropped. */
    private static final class Body extends HeldOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean overflowed;

        @Override
        public void write(int b) {
            if (overflowed || bytes.size() >= MAX_BODY_BYTES) {
                overflowed = true;
                return;
            }
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (overflowed || bytes.size() + (long) len > MAX_BODY_BYTES) {
                overflowed = true;
                return;
            }
            bytes.write(b, off, len);
        }
    }
}
