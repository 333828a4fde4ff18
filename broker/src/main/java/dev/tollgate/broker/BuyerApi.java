package dev.tollgate.broker;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import dev.tollgate.protocol.Money;

/**
 * The endpoints a buyer calls: create a demo account, read the account, get scrip and PayWord certificates. Each
 * checks the API key ({@code Authorization: Bearer}) before it reads the body, validates every field, and leaves the
 * work to {@link Issuer}, {@link Settlement} and {@link PayWordCertificates}. {@link ApiHandler} routes to it.
 * Thread-safe.
 */
final class BuyerApi {

    /** How many of a buyer's most recent scrip {@code GET /v1/accounts/me} lists. */
    static final int ME_SCRIP_LIMIT = 100;

    private static final Pattern SELLER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_AUTHORIZATION_CHARS = 256;

    private final Issuer issuer;
    private final Settlement settlement;
    private final PayWordCertificates certificates;

    BuyerApi(Issuer issuer, Settlement settlement, PayWordCertificates certificates) {
        this.issuer = issuer;
        this.settlement = settlement;
        this.certificates = certificates;
    }

    /** {@code POST /v1/accounts} (demo brokers only): a funded buyer and its API key, shown once. */
    void createAccount(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        ObjectNode body = RequestBodies.json(request, true, RequestBodies.MAX_ACCOUNT_BODY_BYTES);
        JsonMembers.allowOnly(body, Set.of("deposit"), "field");
        long deposit = body.has("deposit") ? amount(body, "deposit", ScripRules.MAX_DEMO_DEPOSIT_MICROS)
                : ScripRules.DEFAULT_DEMO_DEPOSIT_MICROS;
        Issuer.NewBuyer buyer = issuer.createDemoBuyer(deposit);
        ObjectNode out = ApiAnswers.object();
        out.put("account", buyer.account());
        out.put("apiKey", buyer.apiKey());
        out.put("balance", Long.toString(buyer.balance()));
        out.put("currency", issuer.currency());
        ApiAnswers.json(response, callback, 201, out);
    }

    /** {@code GET /v1/accounts/me}: balances, recent scrip and certificates, after the buyer's expiry returns. */
    void me(Request request, Response response, Callback callback) throws ApiException, SQLException {
        String account = authenticate(request);
        settlement.returnExpired(account);
        Accounts.Account a = issuer.account(account, ME_SCRIP_LIMIT).orElseThrow(BuyerApi::unauthorized);
        ObjectNode out = ApiAnswers.object();
        out.put("account", a.id());
        out.put("balance", Long.toString(a.balance()));
        out.put("reserved", Long.toString(a.reserved()));
        out.put("currency", issuer.currency());
        ArrayNode scrip = out.putArray("scrip");
        long now = issuer.now().getEpochSecond();
        for (ScripStore.ScripRow row : a.scrip()) {
            AnswerRows.scrip(scrip, row, true, now);
        }
        ArrayNode certs = out.putArray("paywordCertificates");
        for (PayWordStore.CertificateRow row : a.certificates()) {
            AnswerRows.certificate(certs, row, now);
        }
        ApiAnswers.json(response, callback, 200, out);
    }

    /** {@code POST /v1/scrip}: reserves the budget and answers the signed scrip; idempotent with a key. */
    void issueScrip(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        String account = authenticate(request);
        String key = ScripIdempotency.key(request.getHeaders().getValuesList(ScripIdempotency.HEADER));
        ObjectNode body = RequestBodies.json(request, false, RequestBodies.MAX_SCRIP_BODY_BYTES);
        JsonMembers.allowOnly(body, Set.of("seller", "budget", "ttlSeconds"), "field");
        JsonNode sellerNode = body.get("seller");
        if (sellerNode == null || sellerNode.isNull()) {
            throw ApiException.badRequest("invalid_request", "'seller' is required: the id of the seller to pay");
        }
        if (!sellerNode.isTextual() || !SELLER_ID.matcher(sellerNode.textValue()).matches()) {
            throw ApiException.badRequest("invalid_request",
                    "'seller' must be a string of 1 to 64 ASCII letters, digits, '.', '-' or '_'");
        }
        if (!body.has("budget")) {
            throw ApiException.badRequest("invalid_request",
                    "'budget' is required: micro-units as a decimal string, such as \"250000\"");
        }
        long budget = amount(body, "budget", ScripRules.MAX_BUDGET_MICROS);
        Duration ttl = ttl(body.get("ttlSeconds"));
        Issuer.Issued issued = issuer.issue(account, sellerNode.textValue(), budget, ttl, key);
        if (issued.replayed()) {
            response.getHeaders().put(ScripIdempotency.REPLAYED_HEADER, "true");
        }
        ObjectNode out = ApiAnswers.object();
        out.put("token", issued.token());
        out.put("jti", issued.jti());
        out.put("expiresAt", issued.expiresAt().toString());
        ApiAnswers.json(response, callback, 201, out);
    }

    /** {@code POST /v1/payword/certificates}: reserves the limit and answers the certificate of the buyer's key. */
    void certify(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        String account = authenticate(request);
        ObjectNode body = RequestBodies.json(request, false, RequestBodies.MAX_BODY_BYTES);
        JsonMembers.allowOnly(body, Set.of("publicKey", "limit", "ttlSeconds"), "field");
        byte[] key = PayWordCertificates.publicKey(body.get("publicKey"));
        if (!body.has("limit")) {
            throw ApiException.badRequest("invalid_amount",
                    "'limit' is required: micro-units as a decimal string, such as \"1000000\"");
        }
        long limit = amount(body, "limit", ScripRules.MAX_BUDGET_MICROS);
        Duration ttl = ttl(body.get("ttlSeconds"));
        PayWordCertificates.Certified c = certificates.certify(account, key, limit, ttl);
        ObjectNode out = ApiAnswers.object();
        out.put("certificate", c.certificate());
        out.put("id", c.id());
        out.put("limit", Long.toString(c.limit()));
        out.put("expiresAt", c.expiresAt().toString());
        ApiAnswers.json(response, callback, 201, out);
    }

    /** The account of {@code Authorization: Bearer <apiKey>}; every failure is the same 401. */
    private String authenticate(Request request) throws ApiException, SQLException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || header.length() > MAX_AUTHORIZATION_CHARS
                || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized();
        }
        return issuer.authenticate(header.substring(7).strip());
    }

    /** A micro-unit amount: a JSON string of decimal digits, 1 to {@code max}. */
    private static long amount(ObjectNode body, String field, long max) throws ApiException {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual()) {
            throw ApiException.badRequest("invalid_amount", "'" + field
                    + "' must be micro-units as a decimal string, such as \"250000\"");
        }
        long micros;
        try {
            micros = Money.parseMicros(node.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_amount", "'" + field + "': " + e.getMessage()
                    + " Amounts are whole micro-units (1 = 0.000001), such as \"250000\".");
        }
        if (micros <= 0 || micros > max) {
            throw ApiException.badRequest("invalid_amount", "'" + field + "' must be between 1 and " + max
                    + " micro-units, got " + micros);
        }
        return micros;
    }

    /** {@code ttlSeconds}: absent for the default lifetime, else whole seconds within the allowed lifetimes. */
    private static Duration ttl(JsonNode node) throws ApiException {
        if (node == null || node.isNull()) {
            return ScripRules.DEFAULT_TTL;
        }
        long min = ScripRules.MIN_TTL.getSeconds();
        long max = ScripRules.MAX_TTL.getSeconds();
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min
                || node.longValue() > max) {
            throw ApiException.badRequest("invalid_ttl", "'ttlSeconds' must be a whole number from " + min
                    + " to " + max);
        }
        return Duration.ofSeconds(node.longValue());
    }

    private static ApiException unauthorized() {
        return new ApiException(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    }
}
