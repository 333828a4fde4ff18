package dev.tollgate.gateway;

import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Locale;

/**
 * The response a paid request's content is written to. It keeps the payment headers the seller's app cannot be
 * trusted to keep: the response stays {@code private} (a shared cache would hand paid content to unpaid readers),
 * {@code reset()} does not drop the payment headers, and an error status turns the receipt into a refund notice
 * before the headers are sent.
 */
final class PaidResponse extends HttpServletResponseWrapper {

    static final String CACHE_CONTROL = "Cache-Control";

    private final HttpServletResponse response;
    private final String network;
    private final String buyerJson;
    private final String receiptId;
    private final long refundedRemainingMicros;
    private final String receiptHeader;
    private boolean failed;

    PaidResponse(HttpServletResponse response, String network, String buyerJson, String receiptId, long amountMicros,
                 long remainingMicros) {
        super(response);
        this.response = response;
        this.network = network;
        this.buyerJson = buyerJson;
        this.receiptId = receiptId;
        this.refundedRemainingMicros = remainingMicros + amountMicros;
        this.receiptHeader = Receipts.paid(network, buyerJson, receiptId, amountMicros, remainingMicros);
        applyPaymentHeaders();
    }

    private void applyPaymentHeaders() {
        response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, failed
                ? Receipts.refunded(network, buyerJson, receiptId, refundedRemainingMicros, response.getStatus())
                : receiptHeader);
        response.setHeader(CACHE_CONTROL, "private");
        Answers.addPaymentHeaders(response);
    }

    private void statusChanged(int status) {
        if (status >= 400 && !failed && !response.isCommitted()) {
            failed = true;
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE,
                    Receipts.refunded(network, buyerJson, receiptId, refundedRemainingMicros, status));
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
        if (isProtected(name)) {
            super.setHeader(name, privateCacheControl(value));
        } else if (!PaymentHeaders.PAYMENT_RESPONSE.equalsIgnoreCase(name)) {
            super.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (isProtected(name)) {
            super.setHeader(name, privateCacheControl(value));
        } else if (!PaymentHeaders.PAYMENT_RESPONSE.equalsIgnoreCase(name)) {
            super.addHeader(name, value);
        }
    }

    @Override
    public void reset() {
        super.reset();
        applyPaymentHeaders();
    }

    private static boolean isProtected(String name) {
        return CACHE_CONTROL.equalsIgnoreCase(name);
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
