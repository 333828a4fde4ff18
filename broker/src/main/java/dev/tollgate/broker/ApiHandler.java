package dev.tollgate.broker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.protocol.Money;

/**
 * The broker's HTTP API on Jetty's core handler API (no servlets): routing, body limits, JSON in and out, and the
 * mapping of refusals to {@code {"error", "message"}} answers. Knows nothing about TLS, so the same handler runs
 * behind a plain or a TLS connector. Thread-safe.
 */
final class ApiHandler extends Handler.Abstract {

    static final String JWKS_PATH = "/.well-known/jwks.json";
    static final String ACCOUNTS_PATH = "/v1/accounts";
    static final String ME_PATH = "/v1/accounts/me";
    static final String SCRIP_PATH = "/v1/scrip";
    static final String CANCEL_PATH = "/v1/scrip/cancel";
    static final String REDEMPTIONS_PATH = "/v1/redemptions";
    static final String CHARGES_PATH = "/v1/charges";
    static final String VOIDS_PATH = "/v1/charges/void";
    static final String CERTIFICATES_PATH = "/v1/payword/certificates";
    /** {@code /v1/sellers/{id}/statement}. */
    static final Pattern STATEMENT_PATH = Pattern.compile("/v1/sellers/([A-Za-z0-9._-]{1,64})/statement");
    /** The authorization scheme of seller-signed requests. */
    static final String SELLER_SCHEME = "Tollgate-Seller";
    /** Largest JSON request body of an endpoint without a limit of its own. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Largest {@code POST /v1/accounts} body: {@code {"deposit":"100000000"}} is 23 bytes. */
    static final int MAX_ACCOUNT_BODY_BYTES = 1024;
    /** Largest {@code POST /v1/scrip} body: a 64-character seller, a budget and a lifetime are about 110 bytes. */
    static final int MAX_SCRIP_BODY_BYTES = 4 * 1024;
    /**
     * Largest seller-signed JWS body but a redemption batch: a charge request (1 to 128-character ids, an amount and
     * the issuer URL) is at most about 3 KiB.
     */
    static final int MAX_SELLER_REQUEST_BYTES = 8 * 1024;
    /**
     * Largest redemption batch: 1000 claims of 22-character jtis, base64url-encoded, need about 70 KiB; a PayWord claim
     * carries its commitment (about 1.7 KiB), so 256 KiB hold about 150 of them.
     */
    static final int MAX_REDEMPTION_BODY_BYTES = 256 * 1024;
    /** A void request's body: 100 charge ids of up to 128 characters are about 18 KiB as a JWS. */
    static final int MAX_VOID_BODY_BYTES = 32 * 1024;
    /** The largest refused body that is still read (and discarded) so that its sender sees the 413. */
    static final int DRAIN_LIMIT = 1024 * 1024;
    /** How many of a buyer's most recent scrip {@code GET /v1/accounts/me} lists. */
    static final int ME_SCRIP_LIMIT = 100;

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final Pattern SELLER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_AUTHORIZATION_CHARS = 256;
    private static final int MAX_SELLER_AUTHORIZATION_CHARS = 4096;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(MAX_BODY_BYTES).maxNumberLength(40).build());
    }

    private final Issuer issuer;
    private final KeyRing keys;
    private final Settlement settlement;
    private final Charges charges;
    private final PayWordCertificates certificates;
    private final boolean demoMode;
    private final BrowserPages pages;
    private final ScripCancels cancels;

    ApiHandler(Issuer issuer, KeyRing keys, Settlement settlement, Charges charges,
               PayWordCertificates certificates, boolean demoMode, BrowserPages pages, ScripCancels cancels) {
        this.pages = pages;
        this.cancels = cancels;
        this.issuer = issuer;
        this.keys = keys;
        this.settlement = settlement;
        this.charges = charges;
        this.certificates = certificates;
        this.demoMode = demoMode;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (BrowserPages.handles(Request.getPathInContext(request))) {
            // The browser pages answer in HTML, errors included.
            pages.handle(request, response, callback);
            return true;
        }
        try {
            route(request, response, callback);
        } catch (ApiException e) {
            sendError(response, callback, e);
        } catch (SQLException e) {
            ApiException answer = StorageFailure.answer(e);
            if (answer.status() == 503) {
                LOG.warn("{} {} refused: the database is busy or unavailable ({})", request.getMethod(),
                        Request.getPathInContext(request), e.getMessage());
            } else {
                LOG.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
            }
            sendError(response, callback, answer);
        } catch (IOException | RuntimeException e) {
            LOG.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
            sendError(response, callback, new ApiException(500, "internal_error",
                    "the broker could not complete the request; nothing was charged"));
        }
        return true;
    }

    private void route(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        switch (path) {
            case JWKS_PATH -> {
                requireMethod(method, "GET");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=300");
                send(response, callback, 200, "application/jwk-set+json", keys.jwks());
            }
            case ACCOUNTS_PATH -> {
                if (!demoMode) {
                    throw new ApiException(404, "not_found", "no such endpoint: accounts are created over HTTP on a"
                            + " demo broker only");
                }
                requireMethod(method, "POST");
                createAccount(readJson(request, true, MAX_ACCOUNT_BODY_BYTES), response, callback);
            }
            case ME_PATH -> {
                requireMethod(method, "GET");
                me(authenticate(request), response, callback);
            }
            case SCRIP_PATH -> {
                requireMethod(method, "POST");
                String account = authenticate(request);
                String key = ScripIdempotency.key(request.getHeaders().getValuesList(ScripIdempotency.HEADER));
                issueScrip(account, key, readJson(request, false, MAX_SCRIP_BODY_BYTES), response, callback);
            }
            case CERTIFICATES_PATH -> {
                requireMethod(method, "POST");
                String account = authenticate(request);
                certify(account, readJson(request, false), response, callback);
            }
            case REDEMPTIONS_PATH -> {
                requireMethod(method, "POST");
                redeem(readJose(request, MAX_REDEMPTION_BODY_BYTES), response, callback);
            }
            case CHARGES_PATH -> {
                requireMethod(method, "POST");
                charge(readJose(request), response, callback);
            }
            case VOIDS_PATH -> {
                requireMethod(method, "POST");
                sendJson(response, callback, 200, charges.voidCharges(readJose(request, MAX_VOID_BODY_BYTES)));
            }
            case CANCEL_PATH -> {
                requireMethod(method, "POST");
                cancel(readJose(request, ScripCancels.MAX_BODY_BYTES), response, callback);
            }
            default -> {
                java.util.regex.Matcher m = STATEMENT_PATH.matcher(path);
                if (!m.matches()) {
                    throw notFound();
                }
                requireMethod(method, "GET");
                statement(m.group(1), sellerAuthorization(request), path, response, callback);
            }
        }
    }

    // --- endpoints --------------------------------------------------------------------------------------------

    private void createAccount(ObjectNode body, Response response, Callback callback)
            throws ApiException, SQLException {
        JsonMembers.allowOnly(body, Set.of("deposit"), "field");
        long deposit = body.has("deposit") ? amount(body, "deposit", ScripRules.MAX_DEMO_DEPOSIT_MICROS)
                : ScripRules.DEFAULT_DEMO_DEPOSIT_MICROS;
        Issuer.NewBuyer buyer = issuer.createDemoBuyer(deposit);
        ObjectNode out = JSON.createObjectNode();
        out.put("account", buyer.account());
        out.put("apiKey", buyer.apiKey());
        out.put("balance", Long.toString(buyer.balance()));
        out.put("currency", issuer.currency());
        sendJson(response, callback, 201, out);
    }

    private void me(String account, Response response, Callback callback) throws ApiException, SQLException {
        settlement.returnExpired(account);
        Accounts.Account a = issuer.account(account, ME_SCRIP_LIMIT).orElseThrow(ApiHandler::unauthorized);
        ObjectNode out = JSON.createObjectNode();
        out.put("account", a.id());
        out.put("balance", Long.toString(a.balance()));
        out.put("reserved", Long.toString(a.reserved()));
        out.put("currency", issuer.currency());
        ArrayNode scrip = out.putArray("scrip");
        long now = issuer.now().getEpochSecond();
        for (ScripStore.ScripRow row : a.scrip()) {
            scripRow(scrip, row, true, now);
        }
        ArrayNode certs = out.putArray("paywordCertificates");
        for (PayWordStore.CertificateRow row : a.certificates()) {
            ObjectNode c = certs.addObject();
            c.put("id", row.id());
            c.put("limit", Long.toString(row.limit()));
            c.put("redeemed", Long.toString(row.redeemed()));
            c.put("expiresAt", row.expiresAt().toString());
            c.put("status", status(row.status(), row.expiresAt(), now));
        }
        sendJson(response, callback, 200, out);
    }

    /** {@code active}, {@code expired} (past expiresAt, remainder still reserved) or {@code returned}. */
    private static String status(ScripStore.ScripRow row, long now) {
        return status(row.status(), row.expiresAt(), now);
    }

    private static String status(String stored, java.time.Instant expiresAt, long now) {
        boolean expired = stored.equals("active") && expiresAt.getEpochSecond() <= now;
        return expired ? "expired" : stored;
    }

    private void redeem(String compact, Response response, Callback callback) throws ApiException, SQLException {
        List<Redemptions.ClaimResult> results = settlement.redeem(compact);
        ObjectNode out = JSON.createObjectNode();
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
        sendJson(response, callback, 200, out);
    }

    private void charge(String compact, Response response, Callback callback) throws ApiException, SQLException {
        Charges.Confirmed confirmed = charges.charge(compact);
        ObjectNode out = JSON.createObjectNode();
        out.put("status", "charged");
        out.put("charge", confirmed.charge());
        out.put("amount", Long.toString(confirmed.result().amount()));
        out.put("redeemed", Long.toString(confirmed.result().redeemed()));
        out.put("remaining", Long.toString(confirmed.result().remaining()));
        out.put("confirmation", confirmed.confirmation());
        sendJson(response, callback, 200, out);
    }

    private void cancel(String compact, Response response, Callback callback) throws ApiException, SQLException {
        ScripCancels.Returned returned = cancels.cancel(compact);
        ObjectNode out = JSON.createObjectNode();
        out.put("status", "returned");
        out.put("scrip", returned.scrip());
        out.put("returned", Long.toString(returned.returned()));
        sendJson(response, callback, 200, out);
    }

    /** One scrip as the buyer's view ({@code withSeller}) and the seller's statement list it. */
    private static void scripRow(ArrayNode into, ScripStore.ScripRow row, boolean withSeller, long now) {
        ObjectNode s = into.addObject();
        s.put("jti", row.jti());
        if (withSeller) {
            s.put("seller", row.seller());
        }
        s.put("budget", Long.toString(row.budget()));
        s.put("redeemed", Long.toString(row.redeemed()));
        s.put("expiresAt", row.expiresAt().toString());
        s.put("status", status(row, now));
    }

    private void statement(String seller, String compact, String path, Response response, Callback callback)
            throws ApiException, SQLException {
        Statements.SellerStatement st = settlement.statement(seller, compact, path);
        ObjectNode out = JSON.createObjectNode();
        out.put("seller", st.seller());
        out.put("credited", Long.toString(st.credited()));
        out.put("currency", issuer.currency());
        ArrayNode scrip = out.putArray("scrip");
        long now = issuer.now().getEpochSecond();
        for (ScripStore.ScripRow row : st.scrip()) {
            scripRow(scrip, row, false, now);
        }
        ArrayNode commitments = out.putArray("payword");
        for (PayWordStore.CommitmentRow row : st.commitments()) {
            ObjectNode c = commitments.addObject();
            c.put("commitmentId", row.id());
            c.put("certificate", row.certificate());
            c.put("n", row.n());
            c.put("unit", Long.toString(row.unit()));
            c.put("index", row.index());
            c.put("credited", Long.toString(row.credited()));
            c.put("firstClaimedAt", row.createdAt().toString());
        }
        sendJson(response, callback, 200, out);
    }

    private void certify(String account, ObjectNode body, Response response, Callback callback)
            throws ApiException, SQLException {
        JsonMembers.allowOnly(body, Set.of("publicKey", "limit", "ttlSeconds"), "field");
        byte[] key = PayWordCertificates.publicKey(body.get("publicKey"));
        if (!body.has("limit")) {
            throw ApiException.badRequest("invalid_amount",
                    "'limit' is required: micro-units as a decimal string, such as \"1000000\"");
        }
        long limit = amount(body, "limit", ScripRules.MAX_BUDGET_MICROS);
        Duration ttl = ttl(body.get("ttlSeconds"));
        PayWordCertificates.Certified c = certificates.certify(account, key, limit, ttl);
        ObjectNode out = JSON.createObjectNode();
        out.put("certificate", c.certificate());
        out.put("id", c.id());
        out.put("limit", Long.toString(c.limit()));
        out.put("expiresAt", c.expiresAt().toString());
        sendJson(response, callback, 201, out);
    }

    private void issueScrip(String account, String idempotencyKey, ObjectNode body, Response response,
                            Callback callback) throws ApiException, SQLException {
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
        Issuer.Issued issued = issuer.issue(account, sellerNode.textValue(), budget, ttl, idempotencyKey);
        if (issued.replayed()) {
            response.getHeaders().put(ScripIdempotency.REPLAYED_HEADER, "true");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("token", issued.token());
        out.put("jti", issued.jti());
        out.put("expiresAt", issued.expiresAt().toString());
        sendJson(response, callback, 201, out);
    }

    // --- request parsing ----------------------------------------------------------------------------------------

    private String authenticate(Request request) throws ApiException, SQLException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || header.length() > MAX_AUTHORIZATION_CHARS
                || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized();
        }
        return issuer.authenticate(header.substring(7).strip());
    }

    /** The compact JWS of {@code Authorization: Tollgate-Seller <jws>}. */
    private static String sellerAuthorization(Request request) throws ApiException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String prefix = SELLER_SCHEME + " ";
        if (header == null || header.length() > MAX_SELLER_AUTHORIZATION_CHARS
                || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new ApiException(401, "unauthorized", "a seller-signed request is required: Authorization: "
                    + SELLER_SCHEME + " <compact JWS>");
        }
        return header.substring(prefix.length()).strip();
    }

    /** Reads a {@code Content-Type: application/jose} body of at most {@link #MAX_SELLER_REQUEST_BYTES}. */
    private static String readJose(Request request) throws ApiException, IOException {
        return readJose(request, MAX_SELLER_REQUEST_BYTES);
    }

    /** Reads a {@code Content-Type: application/jose} body of at most {@code max} bytes: one compact JWS. */
    private static String readJose(Request request, int max) throws ApiException, IOException {
        if (request.getLength() > max) {
            throw oversized(request, max);
        }
        // Read (bounded) before refusing its type: an unread body closes the connection under a client that may
        // already be sending its next request on it.
        byte[] body = RequestBodies.read(Content.Source.asInputStream(request), request.getLength(), max);
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String base = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!base.equals("application/jose")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be a compact JWS sent as"
                    + " Content-Type: application/jose");
        }
        String text = new String(body, java.nio.charset.StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) {
            throw ApiException.badRequest("invalid_request", "the body must be a compact JWS");
        }
        return text;
    }

    /** Reads the body (at most {@link #MAX_BODY_BYTES}) as a JSON object; an empty body is {@code {}} if allowed. */
    private static ObjectNode readJson(Request request, boolean emptyAllowed) throws ApiException, IOException {
        return readJson(request, emptyAllowed, MAX_BODY_BYTES);
    }

    /**
     * Reads the body as a JSON object, refusing a declared length over {@code max} before reading anything and a body
     * that grows past it as soon as it does; an empty body is {@code {}} if allowed.
     */
    private static ObjectNode readJson(Request request, boolean emptyAllowed, int max)
            throws ApiException, IOException {
        if (request.getLength() > max) {
            throw oversized(request, max);
        }
        byte[] body = RequestBodies.read(Content.Source.asInputStream(request), request.getLength(), max);
        if (body.length == 0) {
            if (emptyAllowed) {
                return JSON.createObjectNode();
            }
            throw ApiException.badRequest("invalid_request", "a JSON object body is required");
        }
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String base = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!base.equals("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be sent as Content-Type:"
                    + " application/json");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_json", "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /**
     * Refuses a body whose declared length is over {@code max}, first reading and discarding it if it is at most
     * {@link #DRAIN_LIMIT}: a client that sends its whole body before it reads the answer (as most do) then gets the
     * 413 instead of a connection reset under its write. A larger body is not read; the connection closes.
     */
    private static ApiException oversized(Request request, int max) throws IOException {
        if (request.getLength() <= DRAIN_LIMIT) {
            InputStream in = Content.Source.asInputStream(request);
            byte[] discard = new byte[8192];
            long drained = 0;
            int n;
            while (drained <= DRAIN_LIMIT && (n = in.read(discard)) != -1) {
                drained += n;
            }
        }
        return RequestBodies.tooLarge(max);
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

    private static void requireMethod(String method, String allowed) throws ApiException {
        if (!allowed.equals(method)) {
            throw new ApiException(405, "method_not_allowed", "use " + allowed);
        }
    }

    // --- responses ----------------------------------------------------------------------------------------------

    private static void sendJson(Response response, Callback callback, int status, ObjectNode body) {
        try {
            send(response, callback, status, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    private static void send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, type);
        if (!headers.contains(HttpHeader.CACHE_CONTROL)) {
            headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        }
        headers.put("X-Content-Type-Options", "nosniff");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static void sendError(Response response, Callback callback, ApiException e) {
        if (e.status() == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, e.code().equals("unauthorized")
                    && !e.getMessage().contains(SELLER_SCHEME) ? "Bearer realm=\"tollgate-broker\""
                    : SELLER_SCHEME + " realm=\"tollgate-broker\"");
        }
        if (e.status() == 413) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        if (e.status() == 503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(StorageFailure.RETRY_AFTER.toSeconds()));
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("error", e.code());
        out.put("message", e.getMessage());
        e.details().forEach(out::put);
        sendJson(response, callback, e.status(), out);
    }

    private static ApiException unauthorized() {
        return new ApiException(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    }

    private static ApiException notFound() {
        return new ApiException(404, "not_found", "no such endpoint");
    }
}
