package dev.tollgate.broker;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The end of a browser payment: a page whose form POSTs the outcome ({@code token} or {@code error}, then
 * {@code state}) to the seller's checked return URL, submitted by the one script its CSP nonce allows. Also what a
 * repeated Allow or Cancel is recognised by, so that it gets the same answer again.
 */
final class HandBack {

    private HandBack() {
    }

    /** Answers the page that posts {@code fields} to the request's return URL. */
    static void send(Response response, Callback callback, PayRequest pay, Map<String, String> fields,
                     String heading) {
        String nonce = Secrets.randomToken(16);
        PageHttp.send(response, callback, 200, Html.handBack(pay.returnUrl(), fields, pay.seller().name(), nonce,
                heading), pay.returnOrigin(), nonce);
    }

    /** The outcome of a cancelled payment. */
    static Map<String, String> cancelled(PayRequest pay) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("error", "cancelled");
        fields.put("state", pay.state());
        return fields;
    }

    /** The outcome of an allowed payment: the scrip. */
    static Map<String, String> issued(PayRequest pay, String token) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("token", token);
        fields.put("state", pay.state());
        return fields;
    }

    /** The hand-back fields in their wire order: token or error first, then state. */
    static Map<String, String> ordered(Map<String, String> fields) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(fields.containsKey("token") ? "token" : "error", fields.getOrDefault("token", fields.get("error")));
        out.put("state", fields.get("state"));
        return out;
    }

    /**
     * What a repeated Allow or Cancel is recognised by: the state together with the seller and the return URL, so a
     * token handed back for one seller is never handed to another that reuses its state.
     */
    static String outcomeKey(PayRequest pay) {
        return pay.seller().id() + '\n' + pay.returnUrl() + '\n' + pay.state();
    }
}
