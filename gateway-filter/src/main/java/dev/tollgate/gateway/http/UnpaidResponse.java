package dev.tollgate.gateway.http;

import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.Cookie;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The response the app writes a {@code paywall: app} page into: its status is locked at the 402 already set, the
 * headers that say what is paid and cached are the filter's, and its body, headers and cookies are held here (the
 * body at most {@link #MAX_BODY_BYTES}) for {@link AppPaywall} to send or discard. Nothing reaches the client while
 * the app runs.
 * One request's; not thread-safe.
 */
final class UnpaidResponse extends HttpServletResponseWrapper {

    /**
     * The most a paywall page the app renders may take (a page with the item's opening is a few KB): a write past it
     * throws, so an app copying a whole file stops, and the filter's page is sent.
     */
    static final int MAX_BODY_BYTES = 256 * 1024;
    /** What says what is paid, cached or sent: the filter's alone. */
    private static final Set<String> LOCKED_HEADERS = Set.of("cache-control", "content-length", "content-range",
            PaymentHeaders.PAYMENT_REQUIRED.toLowerCase(Locale.ROOT),
            PaymentHeaders.PAYMENT_RESPONSE.toLowerCase(Locale.ROOT));

    private final HttpServletResponse response;
    private final HeldHeaders headers = new HeldHeaders();
    private final Body body = new Body();
    private PrintWriter writer;
    private boolean usedStream;

    UnpaidResponse(HttpServletResponse response) {
        super(response);
        this.response = response;
    }

    /** Puts the headers and cookies the app set on the response: its page is sent. */
    void sendHeaders() {
        headers.applyTo(response);
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
            headers.set(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (!locked(name)) {
            headers.add(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        addHeader(name, Integer.toString(value));
    }

    @Override
    public void setDateHeader(String name, long date) {
        setHeader(name, HeldHeaders.date(date));
    }

    @Override
    public void addDateHeader(String name, long date) {
        addHeader(name, HeldHeaders.date(date));
    }

    @Override
    public void addCookie(Cookie cookie) {
        headers.addCookie(cookie);
    }

    @Override
    public boolean containsHeader(String name) {
        return !headers.get(name, response).isEmpty();
    }

    @Override
    public String getHeader(String name) {
        List<String> values = headers.get(name, response);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public Collection<String> getHeaders(String name) {
        return headers.get(name, response);
    }

    @Override
    public Collection<String> getHeaderNames() {
        return headers.names(response);
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
            writer = new HeldWriter(new OutputStreamWriter(body, charset), body);
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
        headers.clear();
    }

    @Override
    public void resetBuffer() {
        if (writer != null) {
            writer.flush();
        }
        body.bytes.reset();
        body.overflowed = false;
    }

    /**
     * A writer that throws once the body overflowed: a {@code PrintWriter} swallows the {@code IOException}, and an
     * app writing a large file through it would otherwise go on to its end.
     */
    private static final class HeldWriter extends PrintWriter {
        private final Body body;

        HeldWriter(OutputStreamWriter out, Body body) {
            super(out);
            this.body = body;
        }

        private void open() {
            if (body.overflowed) {
                throw new UncheckedIOException(new IOException("a paywall page may take at most " + MAX_BODY_BYTES
                        + " bytes"));
            }
        }

        @Override
        public void write(int c) {
            open();
            super.write(c);
        }

        @Override
        public void write(char[] buf, int off, int len) {
            open();
            super.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            open();
            super.write(s, off, len);
        }
    }

    /** The held body: a write past {@link #MAX_BODY_BYTES} marks it overflowed and throws. */
    private static final class Body extends HeldOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean overflowed;

        @Override
        public void write(int b) throws IOException {
            if (overflowed || bytes.size() >= MAX_BODY_BYTES) {
                throw overflow();
            }
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (overflowed || bytes.size() + (long) len > MAX_BODY_BYTES) {
                throw overflow();
            }
            bytes.write(b, off, len);
        }

        private IOException overflow() {
            overflowed = true;
            return new IOException("a paywall page may take at most " + MAX_BODY_BYTES + " bytes");
        }
    }
}
