package dev.tollgate.broker;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The endpoints a seller's gateway calls: the broker's keys (JWKS), redemption batches, online charges and their
 * voids, scrip cancels and the seller's statement. Every request but the JWKS is signed by the seller (a compact JWS
 * body, or {@code Authorization: Tollgate-Seller} for the statement); verifying it and the work are
 * {@link Settlement}'s, {@link Charges}' and {@link ScripCancels}'. {@link ApiHandler} routes to it. Thread-safe.
 */
final class SellerApi {

    private static final int MAX_SELLER_AUTHORIZATION_CHARS = 4096;

    private final Issuer issuer;
    private final KeyRing keys;
    private final Settlement settlement;
    private final Charges charges;
    private final ScripCancels cancels;

    SellerApi(Issuer issuer, KeyRing keys, Settlement settlement, Charges charges, ScripCancels cancels) {
        this.issuer = issuer;
        this.keys = keys;
        this.settlement = settlement;
        this.charges = charges;
        this.cancels = cancels;
    }

    /** {@code GET /.well-known/jwks.json}: the keys scrip is verified with, cacheable for five minutes. */
    void jwks(Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=300");
        ApiAnswers.send(response, callback, 200, "application/jwk-set+json", keys.jwks());
    }

    /** {@code POST /v1/redemptions}: credits a batch of scrip and PayWord claims; one result per claim. */
    void redeem(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        List<Redemptions.ClaimResult> results = settlement.redeem(
                RequestBodies.jose(request, RequestBodies.MAX_REDEMPTION_BODY_BYTES));
        ObjectNode out = ApiAnswers.object();
        ArrayNode list = out.putArray("results");
        for (Redemptions.ClaimResult r : results) {
            ObjectNode o = list.addObject();
            if (r.jti() != null) {
                o.put("jti", r.jti());
            } else {
                o.put("commitmentId", r.commitmentId());
            }
            o.put("status", r.status());
            if (r.reason() != null) {
                o.put("reason", r.reason());
            } else {
                o.put("credited", Long.toString(r.credited()));
                o.put("redeemed", Long.toString(r.redeemed()));
                if (r.commitmentId() != null) {
                    o.put("index", r.index());
                }
            }
        }
        ApiAnswers.json(response, callback, 200, out);
    }

    /** {@code POST /v1/charges}: an online charge, confirmed by the broker's signature. */
    void charge(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        Charges.Confirmed confirmed = charges.charge(
                RequestBodies.jose(request, RequestBodies.MAX_SELLER_REQUEST_BYTES));
        ObjectNode out = ApiAnswers.object();
        out.put("status", "charged");
        out.put("charge", confirmed.charge());
        out.put("amount", Long.toString(confirmed.result().amount()));
        out.put("redeemed", Long.toString(confirmed.result().redeemed()));
        out.put("remaining", Long.toString(confirmed.result().remaining()));
        out.put("confirmation", confirmed.confirmation());
        ApiAnswers.json(response, callback, 200, out);
    }

    /** {@code POST /v1/charges/void}: voids online charges whose content was not served. */
    void voidCharges(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        ApiAnswers.json(response, callback, 200,
                charges.voidCharges(RequestBodies.jose(request, RequestBodies.MAX_VOID_BODY_BYTES)));
    }

    /** {@code POST /v1/scrip/cancel}: returns an unused scrip's budget to its buyer. */
    void cancel(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        ScripCancels.Returned returned = cancels.cancel(RequestBodies.jose(request, ScripCancels.MAX_BODY_BYTES));
        ObjectNode out = ApiAnswers.object();
        out.put("status", "returned");
        out.put("scrip", returned.scrip());
        out.put("returned", Long.toString(returned.returned()));
        ApiAnswers.json(response, callback, 200, out);
    }

    /** {@code GET /v1/sellers/{id}/statement}: the seller's credit and its recent scrip and PayWord commitments. */
    void statement(Request request, String seller, Response response, Callback callback)
            throws ApiException, SQLException {
        String path = Request.getPathInContext(request);
        Statements.SellerStatement st = settlement.statement(seller, sellerAuthorization(request), path);
        ObjectNode out = ApiAnswers.object();
        out.put("seller", st.seller());
        out.put("credited", Long.toString(st.credited()));
        out.put("currency", issuer.currency());
        ArrayNode scrip = out.putArray("scrip");
        long now = issuer.now().getEpochSecond();
        for (ScripStore.ScripRow row : st.scrip()) {
            AnswerRows.scrip(scrip, row, false, now);
        }
        ArrayNode commitments = out.putArray("payword");
        for (PayWordStore.CommitmentRow row : st.commitments()) {
            AnswerRows.commitment(commitments, row);
        }
        ApiAnswers.json(response, callback, 200, out);
    }

    /** The compact JWS of {@code Authorization: Tollgate-Seller <jws>}. */
    private static String sellerAuthorization(Request request) throws ApiException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String prefix = ApiAnswers.SELLER_SCHEME + " ";
        if (header == null || header.length() > MAX_SELLER_AUTHORIZATION_CHARS
                || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new ApiException(401, "unauthorized", "a seller-signed request is required: Authorization: "
                    + ApiAnswers.SELLER_SCHEME + " <compact JWS>");
        }
        return header.substring(prefix.length()).strip();
    }
}
