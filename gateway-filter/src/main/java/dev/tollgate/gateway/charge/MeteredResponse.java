package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * The response of a metered request (PROTOCOL.md section 9): one unit is charged before each unit of body bytes is
 * written, and the body never carries a byte that was not paid for.
 *
 * <p>When the body starts (first byte, flush or close) the response decides its limit: what the buyer could afford
 * before the request, or the app's length if shorter. A longer answer of known length becomes a {@code 206} whose
 * {@code Content-Range} and {@code Content-Length} cover exactly the paid bytes, so the client can resume with a
 * {@code Range} request; a body of unknown length ends cleanly at the limit. The headers are committed then, so
 * bytes that are charged cannot be discarded by a later {@code reset} or {@code sendError}. If a unit cannot be
 * charged mid-body (the budget was spent by a concurrent request, the ledger is down) the response is aborted with
 * {@link Aborted}: the client sees a truncated body, never unpaid bytes. Error answers (400 and above) and
 * {@code HEAD} pass uncharged. Used by one request's thread; not thread-safe.
 */
public final class MeteredResponse extends HttpServletResponseWrapper {

    /** Thrown to the app once the body has ended at the paid limit; the filter treats it as a normal end. */
    static final class LimitReached extends IOException {
        private static final long serialVersionUID = 1L;

        LimitReached() {
            super("the buyer's budget covers no more of this response");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // an expected end, thrown often on long streams: no stack trace to fill
        }
    }

    /** Thrown when a unit could not be charged mid-body: the response must be aborted, not completed. */
    static final class Aborted extends IOException {
        private static final long serialVersionUID = 1L;

        Aborted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PaidResponse paid;
    private final UnitCharger charger;
    private final Receipt receipt;
    private final long unitBytes;
    /** The most units the buyer could pay for when the request came in. */
    private final long affordableUnits;
    private final boolean head;

    private long declaredLength = -1;
    private String declaredRange;
    private MeteredOutput output;
    private PrintWriter writer;
    private boolean decided;
    private boolean metering;
    /** The most body bytes this response carries. */
    private long limit;
    private long written;
    /** Body bytes paid for so far: up to {@code limit}. */
    private long paidThrough;
    private long unitsCharged;
    private boolean ended;
    private IOException failure;

    /** What the receipt header needs besides the counts: rendered once when the body starts. */
    record Receipt(String network, String buyerJson, long unitMicros, long remainingMicros, Runnable onCharge) {
    }

    MeteredResponse(PaidResponse paid, UnitCharger charger, Receipt receipt, long unitBytes, long affordableUnits,
                    boolean head) {
        super(paid);
        this.paid = paid;
        this.charger = charger;
        this.receipt = receipt;
        this.unitBytes = unitBytes;
        this.affordableUnits = affordableUnits;
        this.head = head;
    }

    /** Units charged so far. */
    long unitsCharged() {
        return unitsCharged;
    }

    /** Whether {@code e}, thrown by the app, is only the body ending at the paid limit. */
    static boolean isLimitReached(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LimitReached) {
                return true;
            }
        }
        return false;
    }

    /**
     * After the app returned: writes what the app's writer still holds, and fails if a unit could not be charged
     * (so the container aborts the response). An app that wrote nothing gets a receipt of 0.
     */
    void finish() throws IOException {
        if (writer != null && failure == null) {
            writer.flush();
        }
        if (failure != null) {
            throw failure;
        }
        if (!decided && !isCommitted()) {
            decide(true);
        }
    }

    // ------------------------------------------------------------------ what the app declares

    @Override
    public void setContentLength(int length) {
        setContentLengthLong(length);
    }

    @Override
    public void setContentLengthLong(long length) {
        if (!decided) {
            declaredLength = length;
        }
        super.setContentLengthLong(length);
    }

    @Override
    public void setHeader(String name, String value) {
        declared(name, value);
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        declared(name, value);
        super.addHeader(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        declared(name, Integer.toString(value));
        super.setIntHeader(name, value);
    }

    @Override
    public void addIntHeader(String name, int value) {
        declared(name, Integer.toString(value));
        super.addIntHeader(name, value);
    }

    private void declared(String name, String value) {
        if (decided) {
            return;
        }
        if (name.equalsIgnoreCase("Content-Length")) {
            declaredLength = parseLength(value);
        } else if (name.equalsIgnoreCase("Content-Range")) {
            declaredRange = value;
        }
    }

    private static long parseLength(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void reset() {
        super.reset();
        declaredLength = -1;
        declaredRange = null;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was already called");
        }
        if (output == null) {
            output = new MeteredOutput(super.getOutputStream());
        }
        return output;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            if (output != null) {
                throw new IllegalStateException("getOutputStream() was already called");
            }
            // The servlet rule: the encoding is fixed once the writer is taken. Say it in the Content-Type.
            String encoding = getCharacterEncoding();
            setCharacterEncoding(encoding);
            output = new MeteredOutput(super.getOutputStream());
            writer = new PrintWriter(new OutputStreamWriter(output, Charset.forName(encoding)), false);
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        if (failure != null) {
            throw failure;
        }
        if (!decided) {
            decide(false);
        }
        if (!ended) {
            super.flushBuffer();
        }
    }

    // ------------------------------------------------------------------ the decision and the metering

    /**
     * Fixes the limit and the headers when the body starts. {@code empty}: the app finished without a body byte.
     */
    private void decide(boolean empty) {
        decided = true;
        int status = getStatus();
        long affordableBytes = saturatingMultiply(affordableUnits, unitBytes);
        if (head || status >= 400) {
            metering = false;
            paid.receipt(Receipts.metered(receipt.network(), receipt.buyerJson(), 0, receipt.remainingMicros(),
                    unitBytes, 0, head ? affordableBytes : 0, declaredLength, false));
            return;
        }
        metering = true;
        long length = empty ? 0 : declaredLength;
        long rangeStart = -1;
        long rangeTotal = -1;
        if (status == 206 && declaredRange != null) {
            long[] range = parseContentRange(declaredRange);
            if (range != null) {
                rangeStart = range[0];
                rangeTotal = range[2];
                if (length < 0) {
                    length = range[1] - range[0] + 1;
                }
            }
        }
        limit = length >= 0 ? Math.min(length, affordableBytes) : affordableBytes;
        boolean cut = length >= 0 && limit < length;
        if (cut) {
            if (status == 200) {
                super.setStatus(206);
                super.setHeader("Content-Range", "bytes 0-" + (limit - 1) + "/" + length);
                super.setHeader("Accept-Ranges", "bytes");
            } else if (rangeStart >= 0) {
                super.setHeader("Content-Range", "bytes " + rangeStart + "-" + (rangeStart + limit - 1) + "/"
                        + (rangeTotal < 0 ? "*" : Long.toString(rangeTotal)));
            }
            super.setContentLengthLong(limit);
        }
        long units = length >= 0 ? limit / unitBytes + (limit % unitBytes == 0 ? 0 : 1) : affordableUnits;
        long amount = units * receipt.unitMicros(); // at most the remaining budget: cannot overflow
        paid.receipt(Receipts.metered(receipt.network(), receipt.buyerJson(), amount,
                receipt.remainingMicros() - amount, unitBytes, units, limit, length, cut));
    }

    /** {@code bytes first-last/total} as {first, last, total (-1 for *)}, or null if it is not that. */
    static long[] parseContentRange(String value) {
        String v = value.trim();
        if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        int dash = v.indexOf('-', 6);
        int slash = v.indexOf('/', dash + 1);
        if (dash < 0 || slash < 0) {
            return null;
        }
        try {
            long first = Long.parseLong(v.substring(6, dash).trim());
            long last = Long.parseLong(v.substring(dash + 1, slash).trim());
            String totalText = v.substring(slash + 1).trim();
            long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
            return first < 0 || last < first ? null : new long[] {first, last, total};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    /** Charges the next unit before its bytes go out; aborts the response if it cannot be paid. */
    private void chargeUnit() throws IOException {
        ChargeResult result;
        try {
            result = charger.chargeUnit();
        } catch (LedgerUnavailableException | RuntimeException e) {
            throw fail(new Aborted("the ledger could not record the next unit; response aborted", e));
        }
        if (!(result instanceof ChargeResult.Charged)) {
            throw fail(new Aborted("the budget no longer covers the next unit; response aborted", null));
        }
        unitsCharged++;
        receipt.onCharge().run();
        paidThrough = Math.min(limit, saturatingAdd(paidThrough, unitBytes));
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private IOException fail(IOException e) {
        failure = e;
        return e;
    }

    /** Ends a body that reached its limit: completes it cleanly and stops the app from writing more. */
    private IOException limitReached(ServletOutputStream out) throws IOException {
        if (!ended) {
            ended = true;
            out.close();
        }
        return new LimitReached();
    }

    private void beforeBody() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (!decided) {
            decide(false);
            if (metering) {
                super.flushBuffer(); // commit now: charged bytes can no longer be reset or replaced by an error page
            }
        }
    }

    /** The body stream: meters every byte on its way to the container's stream. */
    private final class MeteredOutput extends ServletOutputStream {

        private final ServletOutputStream out;

        MeteredOutput(ServletOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            beforeBody();
            if (!metering) {
                out.write(b);
                return;
            }
            if (written >= limit) {
                throw limitReached(out);
            }
            if (ended) {
                throw new IOException("the body has ended"); // never charge for bytes that will not be sent
            }
            if (written == paidThrough) {
                chargeUnit();
            }
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len <= 0) {
                return;
            }
            beforeBody();
            if (!metering) {
                out.write(b, off, len);
                return;
            }
            if (ended && written < limit) {
                throw new IOException("the body has ended"); // never charge for bytes that will not be sent
            }
            while (len > 0) {
                if (written >= limit) {
                    throw limitReached(out);
                }
                if (written == paidThrough) {
                    chargeUnit();
                }
                int n = (int) Math.min(len, paidThrough - written);
                out.write(b, off, n);
                written += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            if (failure != null) {
                throw failure;
            }
            if (!decided) {
                beforeBody();
            }
            if (!ended) {
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            if (failure != null) {
                throw failure;
            }
            if (!decided) {
                decide(written == 0);
            }
            if (!ended) {
                ended = true;
                out.close();
            }
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }
}
