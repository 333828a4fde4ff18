package dev.tollgate.gateway.http;

import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Locale;

/**
 * The response a paid request's content is written to. It keeps what the seller's app cannot be trusted to keep:
 * the response stays {@code private} (a shared cache would hand paid content to unpaid readers), CDN-specific
 * caching headers are dropped, {@code Vary} keeps naming the payment, {@code reset()} does not drop the payment
 * headers, and an error status refunds the charge at once, so the receipt header the buyer gets tells the truth.
 * Its {@link #delivering()} tells the settler when paid content is on its way, so the charge's hold may end.
 * Used by one request's thread, except {@link #failed} and {@link #delivering()}, which are thread-safe.
 */
public final class PaidResponse extends HttpServletResponseWrapper implements RefundHold.Delivery {

    public static final String CACHE_CONTROL = "Cache-Control";

    /** Returns a charge to its scrip unless its hold says it is final. */
    public interface Refunder {
        /**
         * @param buyersDoing whether the buyer could have chosen the failure (a 4xx answer, such as a 404 for a path
         *     it made up), so that it counts against the account's refunds ({@link RefundLimit})
         */
        PaidForwarding.Refund refund(RefundHold hold, String receiptId, String why, boolean buyersDoing);
    }

    private final HttpServletResponse response;
    private final Refunder refunder;
    private final RefundHold hold;
    private final String network;
    private final String buyerJson;
    private final String receiptId;
    private final long refundedRemainingMicros;
    private String receiptHeader;
    /** What became of the refund, once one was tried; guarded by this. */
    private PaidForwarding.Refund refund;
    private String failure;

    /** @param reference the repeat reference the receipt offers, or {@code null} */
    public PaidResponse(HttpServletResponse response, Refunder refunder, RefundHold hold, String network,
                        String buyerJson, String receiptId, long amountMicros, long remainingMicros,
                        String confirmation, String reference) {
        this(response, refunder, hold, network, buyerJson, receiptId, remainingMicros + amountMicros,
                Receipts.paid(network, buyerJson, receiptId, amountMicros, remainingMicros, confirmation, reference));
    }

    /** A charged response whose receipt header was rendered by the caller (per-stream and PayWord charges). */
    public static PaidResponse withReceipt(HttpServletResponse response, Refunder refunder, RefundHold hold,
                                           String network, String buyerJson, ChargeResult.Charged charged,
                                           String receiptHeader) {
        return new PaidResponse(response, refunder, hold, network, buyerJson, charged.receiptId(),
                charged.remainingMicros() + charged.amountMicros(), receiptHeader);
    }

    private PaidResponse(HttpServletResponse response, Refunder refunder, RefundHold hold, String network,
                         String buyerJson, String receiptId, long refundedRemainingMicros, String receiptHeader) {
        super(response);
        this.response = response;
        this.refunder = refunder;
        this.hold = hold;
        this.network = network;
        this.buyerJson = buyerJson;
        this.receiptId = receiptId;
        this.refundedRemainingMicros = refundedRemainingMicros;
        this.receiptHeader = receiptHeader;
        applyPaymentHeaders();
    }

    /**
     * For a response charged as its body is written ({@code MeteredResponse}): nothing is charged yet, so there is
     * nothing to refund, and the receipt is set with {@link #receipt} when the body starts.
     */
    public PaidResponse(HttpServletResponse response, String network, String buyerJson) {
        super(response);
        this.response = response;
        this.refunder = null;
        this.hold = null;
        this.network = network;
        this.buyerJson = buyerJson;
        this.receiptId = null;
        this.refundedRemainingMicros = 0;
        this.receiptHeader = null;
        applyPaymentHeaders();
    }

    /** Sets the {@code PAYMENT-RESPONSE} header of a response charged as its body is written. */
    public void receipt(String header) {
        receiptHeader = header;
        response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, header);
    }

    /** The charge's hold; {@code null} for a response charged as its body is written. */
    RefundHold hold() {
        return hold;
    }

    /**
     * Whether paid content is on its way: the response is committed with a status below 400. From then on the
     * gateway never refunds the charge. Called from the settler's thread.
     */
    @Override
    public boolean delivering() {
        return response.isCommitted() && response.getStatus() < 400;
    }

    /**
     * The app failed ({@code failure} says how): refunds the charge unless that was tried already or the charge is
     * final, and makes the receipt header, if not yet sent, say what became of it. {@code buyersDoing}: the buyer could
     * have chosen the failure ({@link RefundLimit}).
     */

    /** The app answered {@code status} (400 or above) before any content was sent: see {@link #failed}. */
    void failedWith(int status) {
        failed("the content answered " + status, status < 500);
    }

    synchronized void failed(String failure, boolean buyersDoing) {
        if (receiptId == null || refund != null) {
            return;
        }
        this.failure = failure;
        refund = refunder.refund(hold, receiptId, failure, buyersDoing);
        if (!response.isCommitted()) {
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, failedHeader());
        }
    }

    private synchronized void applyPaymentHeaders() {
        if (receiptId != null || receiptHeader != null) {
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, refund == null ? receiptHeader : failedHeader());
        }
        response.setHeader(CACHE_CONTROL, "private");
        Answers.addPaymentHeaders(response);
    }

    private String failedHeader() {
        return refund == PaidForwarding.Refund.REFUNDED
                ? Receipts.refunded(network, buyerJson, receiptId, refundedRemainingMicros, failure)
                : Receipts.notRefunded(network, buyerJson, receiptId, failure, refund.why);
    }

    private void statusChanged(int status) {
        if (status >= 400 && receiptId != null && !response.isCommitted()) {
            failedWith(status);
        }
    }

    @Override
    public void setStatus(int status) {
        super.setStatus(status);
        statusChanged(status);
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        statusChanged(status);
        super.sendError(status, message);
    }

    @Override
    public void sendError(int status) throws IOException {
        statusChanged(status);
        super.sendError(status);
    }

    @Override
    public void setHeader(String name, String value) {
        switch (guard(name)) {
            case CACHE_CONTROL_HEADER -> super.setHeader(name, privateCacheControl(value));
            case VARY_HEADER -> super.setHeader(name, withPaymentVary(value));
            case PASS -> super.setHeader(name, value);
            default -> { }
        }
    }

    @Override
    public void addHeader(String name, String value) {
        switch (guard(name)) {
            case CACHE_CONTROL_HEADER -> super.setHeader(name, privateCacheControl(value));
            case VARY_HEADER, PASS -> super.addHeader(name, value);
            default -> { }
        }
    }

    @Override
    public void setDateHeader(String name, long date) {
        if (guard(name) == Guard.PASS) {
            super.setDateHeader(name, date);
        }
    }

    @Override
    public void addDateHeader(String name, long date) {
        if (guard(name) == Guard.PASS) {
            super.addDateHeader(name, date);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (guard(name) == Guard.PASS) {
            super.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (guard(name) == Guard.PASS) {
            super.addIntHeader(name, value);
        }
    }

    @Override
    public void reset() {
        super.reset();
        applyPaymentHeaders();
    }

    private enum Guard { PASS, CACHE_CONTROL_HEADER, VARY_HEADER, DROP }

    /**
     * What to do with a header the app sets. CDNs and caching proxies obey their own headers over
     * {@code Cache-Control: private} ({@code Surrogate-Control}, {@code CDN-Cache-Control} and its
     * {@code <cdn>-CDN-Cache-Control} variants of RFC 9213, nginx's {@code X-Accel-Expires}, Akamai's
     * {@code Edge-Control}), so those are dropped; the receipt is the gateway's alone.
     */
    private static Guard guard(String name) {
        // equalsIgnoreCase rather than toLowerCase: this runs for every header the app sets, allocation-free.
        if (name.equalsIgnoreCase(CACHE_CONTROL)) {
            return Guard.CACHE_CONTROL_HEADER;
        }
        if (name.equalsIgnoreCase("Vary")) {
            return Guard.VARY_HEADER;
        }
        if (name.equalsIgnoreCase("Surrogate-Control") || name.equalsIgnoreCase("X-Accel-Expires")
                || name.equalsIgnoreCase("Edge-Control") || name.equalsIgnoreCase(PaymentHeaders.PAYMENT_RESPONSE)) {
            return Guard.DROP;
        }
        String suffix = "cdn-cache-control";
        return name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length())
                ? Guard.DROP : Guard.PASS;
    }

    /** The app's {@code Vary} with the payment headers added: a cache must never mix paid and unpaid answers. */
    static String withPaymentVary(String value) {
        if (value == null || value.isBlank()) {
            return Answers.VARY;
        }
        return value.trim().equals("*") ? "*" : value + ", " + Answers.VARY;
    }

    /** Keeps the app's directives except those that let a shared cache store the response. */
    static String privateCacheControl(String value) {
        if (value == null) {
            return "private";
        }
        StringBuilder kept = new StringBuilder();
        boolean restricted = false;
        for (String directive : value.split(",")) {
            String d = directive.trim();
            String name = d.toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.equals("public") || name.startsWith("s-maxage")
                    || name.startsWith("proxy-revalidate")) {
                continue;
            }
            restricted |= name.equals("private") || name.equals("no-store");
            kept.append(kept.length() == 0 ? "" : ", ").append(d);
        }
        return restricted ? kept.toString() : kept.length() == 0 ? "private" : "private, " + kept;
    }
}
