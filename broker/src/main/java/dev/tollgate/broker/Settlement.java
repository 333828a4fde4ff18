package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;

/**
 * Paying sellers, independent of HTTP (docs/PROTOCOL.md section 6): redemption batches, seller statements and
 * expiry returns. Thread-safe.
 */
final class Settlement {

    static final String REDEMPTION_TYPE = "tollgate-redemption+jwt";
    static final String STATEMENT_TYPE = "tollgate-statement+jwt";
    /** Longest lifetime ({@code exp - iat}) of a redemption batch. */
    static final Duration MAX_BATCH_LIFETIME = Duration.ofMinutes(10);
    /** Longest lifetime of a statement request token. */
    static final Duration MAX_STATEMENT_LIFETIME = Duration.ofMinutes(5);
    /** Most claims in one batch. */
    static final int MAX_CLAIMS = 1000;
    /** How many of a seller's most recent scrip a statement lists. */
    static final int STATEMENT_SCRIP_LIMIT = 1000;

    private static final Set<String> BATCH_CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "claims");
    private static final Set<String> STATEMENT_CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "htu");
    private static final Set<String> CLAIM_FIELDS = Set.of("jti", "spent", "ledger");
    private static final Set<String> PAYWORD_FIELDS = Set.of(PayWord.COMMITMENT, PayWord.INDEX, PayWord.WORD,
            PayWordClaims.SPENT, "ledger");

    private final Redemptions redemptions;
    private final Statements statements;
    private final ExpiryReturns expiry;
    private final SellerTokens tokens;
    private final PayWordClaims payword;
    private final Duration grace;

    Settlement(Redemptions redemptions, Statements statements, ExpiryReturns expiry, SellerTokens tokens,
               PayWordClaims payword, Duration grace) {
        this.redemptions = redemptions;
        this.statements = statements;
        this.expiry = expiry;
        this.tokens = tokens;
        this.payword = payword;
        this.grace = grace;
    }

    Duration grace() {
        return grace;
    }

    /**
     * Verifies and redeems a batch.
     *
     * @throws ApiException for a batch refused as a whole (nothing changed)
     */
    List<Redemptions.ClaimResult> redeem(String compact) throws ApiException, SQLException {
        SellerTokens.Verified batch = tokens.verify(compact, REDEMPTION_TYPE, MAX_BATCH_LIFETIME, "expired_batch");
        ObjectNode body = batch.claims();
        JsonMembers.allowOnly(body, BATCH_CLAIMS, "field");
        String jti = CompactJws.text(body, "jti");
        if (jti == null || jti.isEmpty() || jti.length() > 128 || !ApiException.printableAscii(jti)) {
            throw SellerTokens.invalid("'jti' is required: the batch id, 1 to 128 printable ASCII characters");
        }
        JsonNode list = body.get("claims");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_CLAIMS) {
            throw SellerTokens.invalid("'claims' must be an array of 1 to " + MAX_CLAIMS + " claims");
        }
        // Entries are read and checked in full before any hashing, so a malformed batch costs no hashing.
        List<Object> parsed = new ArrayList<>(list.size());
        Set<String> seen = new HashSet<>();
        long hashes = 0;
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            if (entry.isObject() && entry.has(PayWord.COMMITMENT)) {
                JsonMembers.allowOnly((ObjectNode) entry, PAYWORD_FIELDS, "field");
                PayWordClaims.Parsed claim = PayWordClaims.parse(i, (ObjectNode) entry);
                if (!seen.add("payword:" + claim.commitmentId())) {
                    throw SellerTokens.invalid("claims[" + i + "]: this commitment is claimed more than once in"
                            + " this batch");
                }
                hashes += Math.max(0, Math.min(claim.index(), PayWordClaims.MAX_CHAIN_LENGTH + 1));
                parsed.add(claim);
                continue;
            }
            if (!entry.isObject() || !entry.has("jti")) {
                throw SellerTokens.invalid("claims[" + i + "] must be a scrip claim {\"jti\", \"spent\"} or a"
                        + " PayWord claim {\"commitment\", \"index\", \"word\", \"spent\"}");
            }
            JsonMembers.allowOnly((ObjectNode) entry, CLAIM_FIELDS, "field");
            String scrip = CompactJws.text((ObjectNode) entry, "jti");
            if (scrip == null || scrip.isEmpty() || scrip.length() > 128) {
                throw SellerTokens.invalid("claims[" + i + "].jti must be the scrip's jti");
            }
            String ledger = ScripLedgers.parse((ObjectNode) entry, "claims[" + i + "]");
            if (!seen.add("scrip:" + ledger + ':' + scrip)) {
                throw SellerTokens.invalid("claims[" + i + "]: scrip " + ApiException.printable(scrip)
                        + " is claimed more than once for one ledger in this batch");
            }
            String spent = CompactJws.text((ObjectNode) entry, "spent");
            long micros;
            try {
                micros = Money.parseMicros(spent == null ? "" : spent);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_amount", "claims[" + i + "].spent must be the cumulative"
                        + " micro-units charged, a decimal string such as \"150000\", at most " + Long.MAX_VALUE);
            }
            parsed.add(new Redemptions.Claim(scrip, ledger, micros));
        }
        if (hashes > PayWordClaims.MAX_BATCH_HASHES) {
            throw ApiException.badRequest("batch_too_large", "the PayWord claims of one batch may ask for at most "
                    + PayWordClaims.MAX_BATCH_HASHES + " hashes in all (the sum of their indexes); split the batch");
        }
        String seller = batch.seller().id();
        List<Redemptions.Entry> entries = new ArrayList<>(parsed.size());
        for (Object entry : parsed) {
            // PayWord claims are verified (signatures, hashing) outside the database lock.
            entries.add(entry instanceof PayWordClaims.Parsed p ? payword.verify(p, seller)
                    : (Redemptions.Claim) entry);
        }
        return redemptions.redeem(seller, jti, entries, grace);
    }

    /**
     * Authenticates a statement request and reads the statement.
     *
     * @param sellerId the seller id in the path
     * @param compact the JWS of the {@code Authorization: Tollgate-Seller} header
     * @param path the request path, which the token's {@code htu} must equal
     * @throws ApiException 400/401 for a bad token, 403 {@code forbidden} for another seller's statement
     */
    Statements.SellerStatement statement(String sellerId, String compact, String path)
            throws ApiException, SQLException {
        SellerTokens.Verified request = tokens.verify(compact, STATEMENT_TYPE, MAX_STATEMENT_LIFETIME,
                "expired_token");
        JsonMembers.allowOnly(request.claims(), STATEMENT_CLAIMS, "field");
        if (!path.equals(CompactJws.text(request.claims(), "htu"))) {
            throw SellerTokens.invalid("'htu' must be the request path, " + path);
        }
        if (!request.seller().id().equals(sellerId)) {
            throw new ApiException(403, "forbidden", "a seller may read its own statement only");
        }
        return statements.statement(sellerId, STATEMENT_SCRIP_LIMIT)
                .orElseThrow(() -> new ApiException(403, "forbidden", "a seller may read its own statement only"));
    }

    /** Returns every scrip and certificate past its expiry plus the grace period (of {@code buyer}, or all if null). */
    int returnExpired(String buyer) throws SQLException {
        return expiry.returnExpired(grace, buyer);
    }
}
