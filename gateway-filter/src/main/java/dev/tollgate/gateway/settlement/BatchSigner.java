package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.protocol.PayWord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The second step of a settlement pass: a batch as the redemption request PROTOCOL.md section 6 has it, a compact
 * JWS, EdDSA, signed with the seller's key. Thread-safe.
 */
final class BatchSigner {

    static final String TYP = "tollgate-redemption+jwt";
    /** Seconds a batch stays valid: well under the broker's 10 minutes. */
    static final long LIFETIME_SECONDS = 300;

    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    /** The {@code ledger} of every scrip claim, or {@code null} for a seller's single ledger. */
    private final String ledgerId;

    /**
     * {@code sellerId}: the batch's {@code iss}; {@code audience}: the broker's issuer, its {@code aud};
     * {@code ledgerId}: the claiming ledger's id when the seller settles from several ({@link
     * dev.tollgate.gateway.ledger.Ledger#settlementLedgerId}).
     */
    BatchSigner(SellerKey key, String sellerId, String audience, Optional<String> ledgerId) {
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.ledgerId = ledgerId.orElse(null);
    }

    /**
     * The batch, signed. Every claim names the claiming ledger if it is one of several. PayWord claims (section 8)
     * follow the scrip claims: {@code {"commitment", "index", "word", "spent"}}, where the head's word proves what the
     * chain paid and {@code spent} is what its requests consumed, the part the broker credits.
     */
    String sign(List<ScripTotal> batch, List<ChainTotal> chains, Instant now) {
        ObjectNode claims = SellerKey.claims(sellerId, audience, now.getEpochSecond(), LIFETIME_SECONDS);
        claims.put("jti", SellerKey.randomId());
        ArrayNode list = claims.putArray("claims");
        for (ScripTotal total : batch) {
            ObjectNode claim = list.addObject().put("jti", total.jti())
                    .put("spent", Long.toString(total.chargedMicros()));
            if (ledgerId != null) {
                claim.put("ledger", ledgerId);
            }
        }
        for (ChainTotal total : chains) {
            ObjectNode claim = list.addObject().put("commitment", total.commitment()).put("index", total.index())
                    .put("word", PayWord.encodeWord(total.word())).put("spent", Long.toString(total.spentMicros()));
            if (ledgerId != null) {
                claim.put("ledger", ledgerId);
            }
        }
        return key.signJws(TYP, claims);
    }
}
