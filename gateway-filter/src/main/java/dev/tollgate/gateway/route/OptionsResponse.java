package dev.tollgate.gateway.route;

import dev.tollgate.gateway.http.HeldOutputStream;
import dev.tollgate.gateway.http.PaidResponse;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * The app's answer to an {@code OPTIONS} request on a priced path. {@code OPTIONS} is never charged, since a CORS
 * preflight cannot carry a payment, yet an app that answers every method alike would answer it with the paid content.
 * So only what an {@code OPTIONS} answer is for reaches the client: the status, {@code Allow}, the
 * {@code Access-Control-*} headers, {@code Vary} and {@code Cache-Control}. Every other header, cookies, a redirect's
 * {@code Location} and the body are dropped. Used by one request's thread; not thread-safe.
 */
final class OptionsResponse extends HttpServletResponseWrapper {

    private static final ServletOutputStream DISCARD = new HeldOutputStream() {
        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    };

    private PrintWriter writer;

    OptionsResponse(HttpServletResponse response) {
        super(response);
    }

    /** Whether an {@code OPTIONS} answer may carry this header. */
    static boolean kept(String name) {
        return name.equalsIgnoreCase("Allow") || name.regionMatches(true, 0, "Access-Control-", 0, 15)
                || name.equalsIgnoreCase("Vary") || name.equalsIgnoreCase(PaidResponse.CACHE_CONTROL);
    }

    @Override
    public void setHeader(String name, String value) {
        if (kept(name)) {
            super.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (kept(name)) {
            super.addHeader(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (kept(name)) {
            super.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (kept(name)) {
            super.addIntHeader(name, value);
        }
    }

    @Override
    public void setDateHeader(String name, long date) {
        if (kept(name)) {
            super.setDateHeader(name, date);
        }
    }

    @Override
    public void addDateHeader(String name, long date) {
        if (kept(name)) {
            super.addDateHeader(name, date);
        }
    }

    @Override
    public void addCookie(Cookie cookie) {
    }

    @Override
    public void sendRedirect(String location) {
        super.setStatus(SC_FOUND); // without the Location, which could be a signed URL of the content
    }

    @Override
    public void setContentType(String type) {
    }

    @Override
    public void setContentLength(int length) {
    }

    @Override
    public void setContentLengthLong(long length) {
    }

    @Override
    public void setCharacterEncoding(String charset) {
    }

    @Override
    public ServletOutputStream getOutputStream() {
        return DISCARD;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            writer = new PrintWriter(Writer.nullWriter());
        }
        return writer;
    }
}
