package dev.tollgate.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Renders the {@code PAYMENT-RESPONSE} header of a paid request by hand: it is on the paid path, where a general
 * JSON serializer costs more than the rest of the request. The output is the JSON of the x402
 * {@code SettlementResponse}; a test checks it decodes to the same record as the codec's.
 */
public final class Receipts {

    private Receipts() {
    }

    public static String paid(String network, String buyerJson, String receiptId, long amountMicros,
                              long remainingMicros) {
        return paid(network, buyerJson, receiptId, amountMicros, remainingMicros, null);
    }

    /** The header of a paid request; {@code confirmation}, the broker's for an online charge, may be null. */
    public static String paid(String network, String buyerJson, String receiptId, long amountMicros,
                              long remainingMicros, String confirmation) {
        return paid(network, buyerJson, receiptId, amountMicros, remainingMicros, confirmation, null);
    }

    /**
     * The header of a paid request.
     *
     * @param confirmation the broker's for an online charge, or {@code null}
     * @param reference the repeat reference offered in {@code extra.reference} (PROTOCOL.md section 12), or
     *     {@code null}
     */
    public static String paid(String network, String buyerJson, String receiptId, long amountMicros,
                              long remainingMicros, String confirmation, String reference) {
        StringBuilder json = start(160, network, buyerJson, receiptId, amountMicros, remainingMicros, reference)
                .append('"');
        if (confirmation != null && !confirmation.isEmpty()) {
            json.append(",\"confirmation\":");
            appendJsonString(json, confirmation);
        }
        json.append("}}");
        return encode(json);
    }

    /**
     * The header of a request sent again under the payment identifier of a charge it already made (PROTOCOL.md
     * section 11): that charge's receipt, with {@code extra.replayed} true; nothing was charged this time.
     */
    public static String replayed(String network, String buyerJson, String receiptId, long amountMicros,
                                  long remainingMicros, String reference) {
        return encode(start(180, network, buyerJson, receiptId, amountMicros, remainingMicros, reference)
                .append("\",\"replayed\":true}}"));
    }

    /**
     * The header of a per-stream request (PROTOCOL.md section 9): the charge that bought the entitlement
     * ({@code amount} the price) or, for a request within the window, the entitlement it passed on ({@code amount}
     * 0, {@code transaction} the receipt of the charge that bought it).
     *
     * @param untilEpochSeconds when the entitlement ends
     * @param reference the repeat reference offered, or {@code null}
     */
    public static String stream(String network, String buyerJson, String receiptId, long amountMicros,
                                long remainingMicros, String stream, long untilEpochSeconds, boolean entitled,
                                String reference) {
        StringBuilder json = start(220 + stream.length(), network, buyerJson, receiptId, amountMicros, remainingMicros,
                reference).append("\",\"charge\":\"per-stream\"");
        if (Offers.boundedStream(stream) != null) { // a longer key could push the headers past the container's limit
            json.append(",\"stream\":");
            appendJsonString(json, stream);
        }
        json.append(",\"until\":").append(untilEpochSeconds).append(",\"entitled\":").append(entitled)
                .append("}}");
        return encode(json);
    }

    /**
     * The header of a per-click request that bought, or passed on, an access window to its item or a pass
     * (PROTOCOL.md section 13): {@code amount} the price paid now, or 0 with {@code transaction} the receipt of the
     * charge that bought it; {@code extra.until} when it ends, {@code extra.entitled} whether this request passed on
     * it, and {@code extra.pass} the pass's id, or {@code extra.access} true for the item's access window.
     *
     * @param passId the pass's id, a config id that needs no escaping; {@code null} for the item's access window
     */
    public static String opened(String network, String buyerJson, String receiptId, long amountMicros,
                                long remainingMicros, String passId, long untilEpochSeconds, boolean entitled,
                                String reference) {
        StringBuilder json = start(240, network, buyerJson, receiptId, amountMicros, remainingMicros, reference)
                .append("\",\"charge\":\"per-click\"");
        if (passId == null) {
            json.append(",\"access\":true");
        } else {
            json.append(",\"pass\":\"").append(passId).append('"');
        }
        json.append(",\"until\":").append(untilEpochSeconds).append(",\"entitled\":").append(entitled)
                .append("}}");
        return encode(json);
    }

    /**
     * The header of a metered response, set before its body starts (PROTOCOL.md section 9): {@code amount} is what
     * the body is charged if it is sent to {@code limitBytes}, unit by unit as it is written.
     *
     * @param fullLength the length of the app's whole answer (or range), or -1 when unknown
     * @param cut whether the body ends before {@code fullLength} because the budget covers no more
     */
    public static String metered(String network, String buyerJson, long amountMicros, long remainingMicros,
                                 long unitBytes, long units, long limitBytes, long fullLength, boolean cut) {
        StringBuilder json = new StringBuilder(240 + buyerJson.length())
                .append("{\"success\":true,\"payer\":").append(buyerJson)
                .append(",\"network\":\"").append(network)
                .append("\",\"amount\":\"").append(amountMicros)
                .append("\",\"extra\":{\"remaining\":\"").append(remainingMicros)
                .append("\",\"charge\":\"metered\",\"unit\":").append(unitBytes)
                .append(",\"units\":").append(units)
                .append(",\"limit\":").append(limitBytes);
        if (fullLength >= 0) {
            json.append(",\"length\":").append(fullLength);
        }
        json.append(",\"cut\":").append(cut).append("}}");
        return encode(json);
    }

    /**
     * The header of a request paid with PayWord: {@code extra.remaining} is the chain's credit left and
     * {@code extra.index} the chain's head index after this payment.
     */
    public static String payWord(String network, String buyerJson, String receiptId, long amountMicros,
                                 long remainingMicros, int headIndex) {
        StringBuilder json = start(180, network, buyerJson, receiptId, amountMicros, remainingMicros, null)
                .append("\",\"index\":").append(headIndex).append("}}");
        return encode(json);
    }

    /**
     * What every receipt starts with, up to {@code extra.remaining}'s value without its closing quote, in a builder
     * of {@code room} characters more than the buyer's JSON takes; {@code extra.reference} first if there is one (its
     * characters, {@code [A-Za-z0-9._-]}, need no escaping).
     */
    private static StringBuilder start(int room, String network, String buyerJson, String receiptId,
                                       long amountMicros, long remainingMicros, String reference) {
        StringBuilder json = new StringBuilder(room + buyerJson.length() + (reference == null ? 0 : 16
                + reference.length()))
                .append("{\"success\":true,\"payer\":").append(buyerJson)
                .append(",\"transaction\":");
        appendJsonString(json, receiptId);
        json.append(",\"network\":\"").append(network)
                .append("\",\"amount\":\"").append(amountMicros)
                .append("\",\"extra\":{");
        if (reference != null) {
            json.append("\"reference\":\"").append(reference).append("\",");
        }
        return json.append("\"remaining\":\"").append(remainingMicros);
    }

    /**
     * The header after the seller's app failed and the charge was returned to the buyer.
     *
     * @param failure what failed, e.g. {@code the content answered 404}
     */
    static String refunded(String network, String buyerJson, String receiptId, long remainingMicros, String failure) {
        StringBuilder json = new StringBuilder(200 + buyerJson.length())
                .append("{\"success\":false,\"errorReason\":\"refunded: ").append(failure)
                .append("\",\"payer\":").append(buyerJson)
                .append(",\"transaction\":");
        appendJsonString(json, receiptId);
        json.append(",\"network\":\"").append(network)
                .append("\",\"amount\":\"0\",\"extra\":{\"remaining\":\"").append(remainingMicros)
                .append("\",\"refunded\":true}}");
        return encode(json);
    }

    /**
     * The header when the seller's app failed but the charge stands: the buyer was charged.
     *
     * @param failure what failed, e.g. {@code the content answered 500}
     * @param why why the charge stands, e.g. the refund could not be recorded
     */
    static String notRefunded(String network, String buyerJson, String receiptId, String failure, String why) {
        StringBuilder json = new StringBuilder(200 + buyerJson.length())
                .append("{\"success\":false,\"errorReason\":\"").append(failure).append(" and ").append(why)
                .append("\",\"payer\":").append(buyerJson).append(",\"transaction\":");
        appendJsonString(json, receiptId);
        json.append(",\"network\":\"").append(network).append("\",\"extra\":{\"refunded\":false}}");
        return encode(json);
    }

    /** A JSON string literal, quotes included. */
    public static String jsonString(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2);
        appendJsonString(out, text);
        return out.toString();
    }

    private static void appendJsonString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static String encode(StringBuilder json) {
        return Base64.getEncoder().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
    }
}
