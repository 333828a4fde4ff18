package dev.tollgate.broker;

import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;

/**
 * Verifies the PayWord claims of a redemption batch (docs/PROTOCOL.md section 8) before the batch transaction: the
 * certificate in the commitment's {@code cert} claim (EdDSA, {@code typ}, {@code iss} = this broker, issued by this
 * broker and signed by the broker key recorded with it), the commitment (EdDSA with the certified key, {@code typ},
 * {@code aud} = the batch's seller, {@code n} at most {@link #MAX_CHAIN_LENGTH}, {@code n × unit} within the
 * certificate's limit, {@code exp} not after the certificate's), {@code 1 ≤ l ≤ n}, and only then
 * {@code SHA-256^l(w_l) = w_0}. A claim that fails is refused with a reason; the batch goes on. Thread-safe.
 */
final class PayWordClaims {

    /** Longest chain the broker settles; bounds the hashing one claim can ask for. */
    static final long MAX_CHAIN_LENGTH = 10_000_000;
    /** Most hashes one batch may ask for: the sum of its PayWord claims' indexes. */
    static final long MAX_BATCH_HASHES = 10_000_000;
    /** Longest commitment JWS accepted (it carries the certificate). */
    static final int MAX_COMMITMENT_CHARS = 8192;

    /**
     * A claim as the batch carries it, structurally valid.
     *
     * @param spent what the seller's requests consumed of the chain, cumulative; {@link #PROVEN} when the claim has
     *     no {@code spent} (a gateway before 0.3): then the whole {@code index x unit} the word proves is claimed
     */
    record Parsed(String commitment, String commitmentId, long index, byte[] word, long spent, String ledger) {
    }

    /** {@link Parsed#spent} of a claim without {@code spent}. */
    static final long PROVEN = -1;

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final ObjectMapper JSON = CompactJws.strictJson();

    private final PayWordStore store;
    private final String issuer;

    PayWordClaims(PayWordStore store, String issuer) {
        this.store = store;
        this.issuer = issuer;
    }

    /** Thrown inside verification: the claim is refused with {@code reason}. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Refusal(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * Reads the claim {@code {"commitment", "index", "word", "spent", "ledger"}} at {@code position} ({@code spent}
     * and {@code ledger} may be left out).
     *
     * @throws ApiException 400 {@code invalid_request}, {@code invalid_amount} or {@code invalid_ledger} if it is not
     *     one
     */
    static Parsed parse(int position, ObjectNode entry) throws ApiException {
        JsonNode commitment = entry.get(PayWord.COMMITMENT);
        JsonNode index = entry.get(PayWord.INDEX);
        JsonNode word = entry.get(PayWord.WORD);
        JsonNode spent = entry.get(SPENT);
        if (commitment == null || !commitment.isTextual() || commitment.textValue().isEmpty()
                || commitment.textValue().length() > MAX_COMMITMENT_CHARS) {
            throw SellerTokens.invalid("claims[" + position + "].commitment must be the commitment JWS, at most "
                    + MAX_COMMITMENT_CHARS + " characters");
        }
        if (index == null || !index.isIntegralNumber() || !index.canConvertToLong()) {
            throw SellerTokens.invalid("claims[" + position + "].index must be an integer: the index l of the word");
        }
        byte[] w;
        try {
            w = PayWord.decodeWord(word == null ? null : word.textValue());
        } catch (IllegalArgumentException e) {
            throw SellerTokens.invalid("claims[" + position + "].word must be the word w_l: "
                    + PayWord.WORD_CHARS + " base64url characters");
        }
        long consumed = PROVEN;
        if (spent != null) {
            try {
                consumed = Money.parseMicros(spent.isTextual() ? spent.textValue() : "");
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_amount", "claims[" + position + "].spent must be the cumulative"
                        + " micro-units the chain's requests consumed, a decimal string such as \"150000\"");
            }
        }
        String text = commitment.textValue();
        return new Parsed(text, PayWord.commitmentId(text), index.longValue(), w, consumed,
                ScripLedgers.parse(entry, "claims[" + position + "]"));
    }

    /** The claim member naming what was consumed. */
    static final String SPENT = "spent";

    /** Verifies a parsed claim for {@code seller}: a {@link PayWordRedemptions.Claim} to credit, or a refusal. */
    Redemptions.Entry verify(Parsed claim, String seller) throws SQLException {
        try {
            return verified(claim, seller);
        } catch (Refusal r) {
            return new Redemptions.Refused(Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), r.reason));
        }
    }

    private PayWordRedemptions.Claim verified(Parsed claim, String seller) throws Refusal, SQLException {
        String[] commitment = split(claim.commitment(), "invalid_commitment");
        ObjectNode header = object(commitment[0], "invalid_commitment");
        checkHeader(header, PayWord.COMMITMENT_TYPE, "invalid_commitment");
        ObjectNode body = object(commitment[1], "invalid_commitment");
        JsonNode certText = body.get("cert");
        if (certText == null || !certText.isTextual()) {
            throw new Refusal("invalid_commitment");
        }
        String[] cert = split(certText.textValue(), "invalid_certificate");
        ObjectNode certHeader = object(cert[0], "invalid_certificate");
        checkHeader(certHeader, PayWord.CERTIFICATE_TYPE, "invalid_certificate");
        ObjectNode certBody = object(cert[1], "invalid_certificate");
        String certId = CompactJws.text(certBody, "jti");
        if (certId == null || certId.isEmpty() || certId.length() > 128) {
            throw new Refusal("invalid_certificate");
        }
        Optional<PayWordStore.Certificate> found = store.certificate(certId);
        if (found.isEmpty()) {
            throw new Refusal("unknown_certificate");
        }
        PayWordStore.Certificate row = found.get();
        if (!row.kid().equals(CompactJws.text(certHeader, "kid"))
                || !CompactJws.verifiesEd25519(cert, Ed25519Keys.publicKey(row.brokerKey()))
                || !issuer.equals(CompactJws.text(certBody, "iss"))
                || !row.buyerKey().equals(CompactJws.text(certBody.path("cnf").path("jwk"), "x"))
                || !Long.toString(row.limit()).equals(CompactJws.text(certBody, "limit"))
                || certBody.path("exp").asLong(-1) != row.expiresAt()) {
            throw new Refusal("invalid_certificate");
        }
        byte[] buyerKey = DECODER.decode(row.buyerKey());
        if (!CompactJws.verifiesEd25519(commitment, Ed25519Keys.publicKey(buyerKey))) {
            throw new Refusal("invalid_commitment");
        }
        // Signed by the certified key from here on.
        if (!seller.equals(CompactJws.text(body, "aud"))) {
            throw new Refusal("wrong_seller");
        }
        long n = integer(body, "n");
        long exp = integer(body, "exp");
        integer(body, "iat");
        String jti = CompactJws.text(body, "jti");
        long unit;
        byte[] root;
        try {
            unit = Money.parseMicros(String.valueOf(CompactJws.text(body, "unit")));
            root = PayWord.decodeWord(CompactJws.text(body, "root"));
        } catch (IllegalArgumentException e) {
            throw new Refusal("invalid_commitment");
        }
        if (n < 1 || n > MAX_CHAIN_LENGTH || unit <= 0 || exp > row.expiresAt() || jti == null || jti.isEmpty()
                || jti.length() > 128 || unit > row.limit() / n) { // n × unit <= limit without overflow
            throw new Refusal("invalid_commitment");
        }
        if (claim.index() < 1 || claim.index() > n) {
            throw new Refusal("invalid_index");
        }
        // Bounded above: index <= n <= MAX_CHAIN_LENGTH.
        if (!PayWord.reaches(claim.word(), (int) claim.index(), root)) {
            throw new Refusal("invalid_word");
        }
        return new PayWordRedemptions.Claim(claim.commitmentId(), certId, jti, PayWord.encodeWord(root), n, unit,
                claim.index(), claim.spent(), claim.ledger());
    }

    private static String[] split(String compact, String reason) throws Refusal {
        String[] parts;
        try {
            parts = CompactJws.split(compact);
        } catch (IllegalArgumentException e) {
            throw new Refusal(reason);
        }
        // No part of a PayWord token may be empty: an empty signature is a malformed token, refused as such before
        // its certificate is looked up.
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new Refusal(reason);
            }
        }
        return parts;
    }

    private static ObjectNode object(String part, String reason) throws Refusal {
        JsonNode node;
        try {
            node = CompactJws.json(JSON, part);
        } catch (IllegalArgumentException e) {
            throw new Refusal(reason);
        }
        if (node == null || !node.isObject()) {
            throw new Refusal(reason);
        }
        return (ObjectNode) node;
    }

    /** EdDSA only (no algorithm choice for the token), the expected {@code typ}, no {@code crit}. */
    private static void checkHeader(ObjectNode header, String typ, String reason) throws Refusal {
        if (!"EdDSA".equals(CompactJws.text(header, "alg")) || !typ.equals(CompactJws.text(header, "typ"))
                || header.has("crit")) {
            throw new Refusal(reason);
        }
    }

    private static long integer(ObjectNode body, String field) throws Refusal {
        JsonNode value = body.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new Refusal("invalid_commitment");
        }
        return value.longValue();
    }
}
