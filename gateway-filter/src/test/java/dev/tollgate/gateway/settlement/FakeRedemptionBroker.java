package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import dev.tollgate.protocol.PayWord;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A broker's redemption endpoint as PROTOCOL.md section 6 has it, on a real Jetty server on {@code 127.0.0.1}: it
 * verifies the batch's Ed25519 signature with the seller's registered public key (JDK {@code Signature}), checks
 * {@code alg}, {@code kid}, {@code typ}, {@code iss}, {@code aud}, {@code iat} and {@code exp}, and applies the
 * cumulative claims idempotently to an in-memory map. Switches simulate an outage (503, or connections refused),
 * a lost answer (applied, then the connection is dropped) and per-scrip refusals. It also takes voids of online
 * charges (section 7) at {@link #VOID_PATH}, idempotently, of charges {@link #onlineCharge} says it recorded.
 * Public for the filter's tests in other packages. Thread-safe.
 */
public final class FakeRedemptionBroker implements AutoCloseable {

    public static final String ISSUER = "https://broker.test";
    public static final String SELLER = "seller-1";
    static final String PATH = "/v1/redemptions";
    static final String VOID_PATH = "/v1/charges/void";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] X509_ED25519_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
        0x21, 0x00};

    private final String issuer;
    private final Server server = new Server();
    private final ServerConnector connector;
    private final boolean tls;
    private final Map<String, PublicKey> keysByKid = new ConcurrentHashMap<>();
    private final Map<String, Long> redeemed = new ConcurrentHashMap<>();
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private final Map<String, Integer> chainIndex = new ConcurrentHashMap<>();
    private final List<String> payWordClaims = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> claimsSeen = new ConcurrentHashMap<>();
    private final List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger answersToDrop = new AtomicInteger();
    private final List<String> rejections = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean unavailable;
    private volatile int padding;
    private volatile boolean endless;
    private volatile boolean voidsUnavailable;
    /** Online charge id -> scrip; and the charges' amounts. */
    private final Map<String, String> onlineScrip = new ConcurrentHashMap<>();
    private final Map<String, Long> onlineAmounts = new ConcurrentHashMap<>();
    private final Set<String> voided = ConcurrentHashMap.newKeySet();
    /** Every request's path, in order of arrival. */
    private final List<String> paths = java.util.Collections.synchronizedList(new ArrayList<>());

    public FakeRedemptionBroker() throws Exception {
        this(ISSUER, null);
    }

    /** With {@code certificate}, the broker answers on HTTPS with it. */
    FakeRedemptionBroker(dev.tollgate.gateway.testing.SelfSignedCertificate certificate) throws Exception {
        this(ISSUER, certificate);
    }

    /** Another broker, of {@code issuer}: the {@code aud} the batches it takes must name. */
    public FakeRedemptionBroker(String issuer) throws Exception {
        this(issuer, null);
    }

    private FakeRedemptionBroker(String issuer, dev.tollgate.gateway.testing.SelfSignedCertificate certificate)
            throws Exception {
        this.issuer = issuer;
        tls = certificate != null;
        connector = tls ? new ServerConnector(server, certificate.sslContextFactory()) : new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new RedemptionHandler());
        server.start();
        connector.setPort(connector.getLocalPort()); // so that a stopped connector comes back on the same port
    }

    public URI redemptionUri() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + connector.getPort() + PATH);
    }

    /** Where a gateway would POST online charges: voids go to this plus {@code /void}. */
    URI chargeUri() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + connector.getPort() + "/v1/charges");
    }

    /** As if the broker had confirmed an online charge: {@code amount} is redeemed on {@code scrip}. */
    synchronized void onlineCharge(String chargeId, String scrip, long amount) {
        onlineScrip.put(chargeId, scrip);
        onlineAmounts.put(chargeId, amount);
        redeemed.merge(scrip, amount, Long::sum);
    }

    /** While on, void requests are answered 503 (redemptions still work). */
    void refuseVoids(boolean value) {
        voidsUnavailable = value;
    }

    /** The online charges voided so far. */
    Set<String> voided() {
        return Set.copyOf(voided);
    }

    /** The path of every request so far, in order. */
    List<String> paths() {
        synchronized (paths) {
            return List.copyOf(paths);
        }
    }

    /** Registers a seller key, as the seller does at the broker with the JWK the gateway logs. */
    public FakeRedemptionBroker register(String publicJwk) throws Exception {
        JsonNode jwk = JSON.readTree(publicJwk);
        byte[] x = Base64.getUrlDecoder().decode(jwk.get("x").asText());
        byte[] spki = new byte[X509_ED25519_PREFIX.length + x.length];
        System.arraycopy(X509_ED25519_PREFIX, 0, spki, 0, X509_ED25519_PREFIX.length);
        System.arraycopy(x, 0, spki, X509_ED25519_PREFIX.length, x.length);
        keysByKid.put(SellerKey.thumbprint(x), KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(spki)));
        return this;
    }

    /** While on, every request is answered 503. */
    public void answer503(boolean value) {
        unavailable = value;
    }

    /** While on, the port refuses connections. */
    void refuseConnections(boolean value) throws Exception {
        if (value) {
            connector.stop();
        } else {
            connector.start();
        }
    }

    /** The next {@code n} batches are applied, then their connection is dropped without an answer. */
    void dropAnswers(int n) {
        answersToDrop.set(n);
    }

    /** Batches are applied and answered with a {@code pad} member of this many characters added to the answer. */
    void padAnswers(int characters) {
        padding = characters;
    }

    /** While on, batches are applied and answered with a body that never ends (until the client hangs up). */
    void endlessAnswers(boolean value) {
        endless = value;
    }

    /** Claims on this scrip (or PayWord commitment id) are refused with {@code reason}. */
    void refuse(String jti, String reason) {
        refusals.put(jti, reason);
    }

    public long redeemed(String jti) {
        return redeemed.getOrDefault(jti, 0L);
    }

    public long totalRedeemed() {
        return redeemed.values().stream().mapToLong(Long::longValue).sum();
    }

    /** How many batches claimed this scrip. */
    public int claimsOn(String jti) {
        AtomicInteger n = claimsSeen.get(jti);
        return n == null ? 0 : n.get();
    }

    /** The number of claims in each accepted batch, in order. */
    List<Integer> batchSizes() {
        synchronized (batchSizes) {
            return List.copyOf(batchSizes);
        }
    }

    int requests() {
        return requests.get();
    }

    /** Why batches were refused as a whole (400/401): a correct gateway causes none. */
    public List<String> rejections() {
        synchronized (rejections) {
            return List.copyOf(rejections);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private final class RedemptionHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            boolean isVoid = VOID_PATH.equals(path);
            if (!(PATH.equals(path) || isVoid) || !"POST".equals(request.getMethod())) {
                Response.writeError(request, response, callback, 404);
                return true;
            }
            paths.add(path);
            requests.incrementAndGet();
            if (unavailable || (isVoid && voidsUnavailable)) {
                Response.writeError(request, response, callback, 503);
                return true;
            }
            String body = Content.Source.asString(request, StandardCharsets.US_ASCII);
            ObjectNode answer;
            try {
                if (!"application/jose".equals(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
                    throw new Rejected(400, "content type must be application/jose");
                }
                answer = isVoid ? voidCharges(body) : redeem(body);
            } catch (Rejected e) {
                rejections.add(e.getMessage());
                response.setStatus(e.status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                Content.Sink.write(response, true, "{\"error\":\"" + e.getMessage() + "\"}", callback);
                return true;
            }
            if (answersToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                request.getConnectionMetaData().getConnection().getEndPoint().close();
                callback.failed(new java.io.IOException("answer dropped on purpose"));
                return true;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            if (endless) {
                endlessBody(response, callback);
                return true;
            }
            if (padding > 0) {
                answer.put("pad", "x".repeat(padding));
            }
            Content.Sink.write(response, true, answer.toString(), callback);
            return true;
        }
    }

    /** Writes {@code {"results":[],"pad":"xxx...} in 8 KiB writes until the client hangs up: a body without end. */
    static void endlessBody(Response response, Callback callback) {
        try (java.io.OutputStream out = Content.Sink.asOutputStream(response)) {
            out.write("{\"results\":[],\"pad\":\"".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[8192];
            java.util.Arrays.fill(chunk, (byte) 'x');
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (java.io.IOException e) {
            callback.failed(e); // the client hung up, as it should
        }
    }

    /** Voids online charges, idempotently: a charge this broker never recorded is {@code not_charged}. */
    private synchronized ObjectNode voidCharges(String jws) throws Exception {
        JsonNode claims = verify(jws, "tollgate-void+jwt");
        JsonNode list = claims.path("charges");
        if (!list.isArray() || list.size() < 1 || list.size() > 100) {
            throw new Rejected(400, "1 to 100 charges");
        }
        ArrayNode results = JSON.createArrayNode();
        for (JsonNode id : list) {
            String charge = id.asText();
            String scrip = onlineScrip.get(charge);
            String status = scrip == null ? "not_charged" : voided.add(charge) ? "voided" : "unchanged";
            if (status.equals("voided")) {
                redeemed.merge(scrip, -onlineAmounts.get(charge), Long::sum);
            }
            results.addObject().put("charge", charge).put("status", status);
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("results", results);
        return answer;
    }

    /** Verifies the batch and applies it in one step (one transaction per batch at a real broker). */
    private synchronized ObjectNode redeem(String jws) throws Exception {
        JsonNode claims = verify(jws, "tollgate-redemption+jwt");
        JsonNode list = claims.path("claims");
        if (!list.isArray() || list.size() < 1 || list.size() > 1000) {
            throw new Rejected(400, "1 to 1000 claims");
        }
        Set<String> once = new HashSet<>();
        Map<String, Long> spent = new HashMap<>();
        for (JsonNode claim : list) {
            if (claim.has("commitment")) {
                if (!claim.path("commitment").isTextual() || !claim.path("index").isInt()
                        || !claim.path("word").isTextual() || !claim.path("spent").isTextual()
                        || !once.add(claim.get("commitment").asText())) {
                    throw new Rejected(400, "bad PayWord claim");
                }
                continue;
            }
            String jti = claim.path("jti").asText();
            if (!once.add(jti) || !claim.path("spent").isTextual()) {
                throw new Rejected(400, "duplicate claim or spent not a string");
            }
            spent.put(jti, Long.parseLong(claim.get("spent").asText()));
        }
        batchSizes.add(list.size());
        ArrayNode results = JSON.createArrayNode();
        for (JsonNode claim : list) {
            if (claim.has("commitment")) {
                results.add(redeemChain(claim));
                continue;
            }
            String jti = claim.get("jti").asText();
            claimsSeen.computeIfAbsent(jti, j -> new AtomicInteger()).incrementAndGet();
            ObjectNode result = results.addObject().put("jti", jti);
            String reason = refusals.get(jti);
            if (reason != null) {
                result.put("status", "refused").put("reason", reason);
                continue;
            }
            long before = redeemed.getOrDefault(jti, 0L);
            long credited = Math.max(0, spent.get(jti) - before);
            long after = before + credited;
            redeemed.put(jti, after);
            result.put("status", credited > 0 ? "credited" : "unchanged").put("credited", Long.toString(credited))
                    .put("redeemed", Long.toString(after));
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("results", results);
        return answer;
    }

    /** Checks a seller-signed JWS as the broker does; returns its claims. */
    private JsonNode verify(String jws, String typ) throws Exception {
        String[] parts = jws.split("\\.", -1);
        if (parts.length != 3) {
            throw new Rejected(400, "not a compact JWS");
        }
        Base64.Decoder b64 = Base64.getUrlDecoder();
        JsonNode header = JSON.readTree(b64.decode(parts[0]));
        if (!"EdDSA".equals(header.path("alg").asText()) || !typ.equals(header.path("typ").asText())) {
            throw new Rejected(400, "bad alg or typ: " + header);
        }
        PublicKey key = keysByKid.get(header.path("kid").asText());
        if (key == null) {
            throw new Rejected(401, "unknown kid");
        }
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        if (!verifier.verify(b64.decode(parts[2]))) {
            throw new Rejected(401, "bad signature");
        }
        JsonNode claims = JSON.readTree(b64.decode(parts[1]));
        long now = System.currentTimeMillis() / 1000;
        long iat = claims.path("iat").asLong(-1);
        long exp = claims.path("exp").asLong(-1);
        if (!SELLER.equals(claims.path("iss").asText()) || !issuer.equals(claims.path("aud").asText())) {
            throw new Rejected(401, "wrong iss or aud");
        }
        if (exp <= now || iat > now + 60 || exp - iat > 600 || !claims.path("jti").isTextual()) {
            throw new Rejected(401, "bad iat, exp or jti");
        }
        return claims;
    }

    /**
     * A PayWord claim as section 8 has it: the word must hash back to the commitment's root in {@code index} steps;
     * credits {@code min(spent, index x unit)} minus what was credited before. (The certificate and commitment
     * signatures are the real broker's business; here the chain is what is checked.)
     */
    private ObjectNode redeemChain(JsonNode claim) throws Exception {
        String commitment = claim.get("commitment").asText();
        String id = PayWord.commitmentId(commitment);
        int index = claim.get("index").asInt();
        long spent = Long.parseLong(claim.get("spent").asText());
        payWordClaims.add(id + " " + index + " " + claim.get("word").asText() + " " + spent);
        claimsSeen.computeIfAbsent(id, j -> new AtomicInteger()).incrementAndGet();
        ObjectNode result = JSON.createObjectNode().put("commitmentId", id);
        String reason = refusals.get(id);
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(commitment.split("\\.")[1]));
        byte[] root = PayWord.decodeWord(claims.get("root").asText());
        if (reason == null && (index < 0 || index > claims.get("n").asInt()
                || !PayWord.reaches(PayWord.decodeWord(claim.get("word").asText()), index, root))) {
            reason = "invalid_word";
        }
        if (reason != null) {
            return result.put("status", "refused").put("reason", reason);
        }
        long unit = Long.parseLong(claims.get("unit").asText());
        long before = redeemed.getOrDefault(id, 0L);
        long credited = Math.max(0, Math.min(spent, index * unit) - before);
        int after = credited > 0 ? Math.max(chainIndex.getOrDefault(id, 0), index) : chainIndex.getOrDefault(id, 0);
        chainIndex.put(id, after);
        redeemed.put(id, before + credited);
        return result.put("status", credited > 0 ? "credited" : "unchanged").put("credited", Long.toString(credited))
                .put("redeemed", Long.toString(redeemed.getOrDefault(id, 0L))).put("index", after);
    }

    /** The PayWord claims received, in order, as {@code "<commitmentId> <index> <word> <spent>"}. */
    List<String> payWordClaims() {
        synchronized (payWordClaims) {
            return List.copyOf(payWordClaims);
        }
    }

    /** The index the broker has credited a chain up to. */
    int chainIndex(String commitmentId) {
        return chainIndex.getOrDefault(commitmentId, 0);
    }

    private static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Rejected(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
