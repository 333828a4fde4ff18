package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.SettlementResponse;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What one paid request cost, from the seller's {@code PAYMENT-RESPONSE} (docs/PROTOCOL.md section 4). Immutable.
 *
 * @param time when the client received it
 * @param seller the seller paid ({@code payTo})
 * @param url the URL requested
 * @param scheme {@code scrip} or {@code payword}
 * @param charge the charge model: {@code per-click}, {@code per-stream} or {@code metered}
 * @param amountMicros what the request cost (0 when refunded, or when it passed on a stream entitlement)
 * @param currency the ISO 4217 code
 * @param transaction the seller's receipt id; empty for metered responses, which have none
 * @param refunded whether the seller refunded the charge (its app failed)
 * @param note a remark by the client, such as a charge found after a lost answer; empty if none
 * @since 0.1
 */
public record Receipt(Instant time, String seller, String url, String scheme, String charge, long amountMicros,
                      String currency, String transaction, boolean refunded, String note) {

    /**
     * The most characters a receipt keeps of each text the seller sent (seller id, scheme, charge, currency,
     * transaction) and of the note; a URL keeps {@link #MAX_URL_CHARS}. A seller chooses what its 402 and receipts
     * say: without a bound, {@link Wallet#MAX_RECEIPTS} long receipts could push the wallet file past
     * {@link WalletFile#MAX_BYTES}, after which the buyer's wallet (and its unspent scrip) would no longer open.
     */
    static final int MAX_TEXT_CHARS = 256;
    static final int MAX_URL_CHARS = 2_048;

    public Receipt {
        Objects.requireNonNull(time, "time cannot be null.");
        seller = clip(Objects.requireNonNull(seller, "seller cannot be null."), MAX_TEXT_CHARS);
        url = clip(Objects.requireNonNull(url, "url cannot be null."), MAX_URL_CHARS);
        scheme = clip(scheme, MAX_TEXT_CHARS);
        charge = clip(charge, MAX_TEXT_CHARS);
        currency = clip(currency, MAX_TEXT_CHARS);
        transaction = clip(transaction == null ? "" : transaction, MAX_TEXT_CHARS);
        note = clip(note == null ? "" : note, MAX_TEXT_CHARS);
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    /** The receipt of {@code response}, with its amount taken as 0 when it says it was refunded. */
    static Receipt of(Instant time, Offer offer, String url, SettlementResponse response) {
        Map<String, Object> extra = response.extra() == null ? Map.of() : response.extra();
        boolean refunded = Boolean.TRUE.equals(extra.get("refunded"));
        long amount = 0;
        if (!refunded && response.amount() != null) {
            amount = Money.parseMicros(response.amount());
        }
        return new Receipt(time, offer.seller(), url, offer.scheme(), offer.charge(), amount, offer.currency(),
                response.transaction(), refunded, "");
    }

    /** This receipt with another amount and a note saying why. */
    Receipt withAmount(long micros, String why) {
        return new Receipt(time, seller, url, scheme, charge, micros, currency, transaction, refunded, why);
    }
}
