package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;

/**
 * One request of a per-stream rule (PROTOCOL.md section 9): its stream key, the ledger's charge-or-entitlement, and
 * the receipts. The first request of a stream in a window is charged like a click (and refunded like one if the
 * app fails); later ones pass on the entitlement, uncharged, whatever the app answers. Range, {@code If-Range} and
 * {@code HEAD} are the app's to answer: the gateway only decides whether the request is paid.
 */
final class PerStream {

    private final PriceRule rule;
    private final String stream;
    /**
     * The stream as the ledger keys entitlements: named with the rule that sells it ({@link PriceRule#entitlementKey},
     * unique among the config's per-stream rules), so two rules whose patterns give the same stream key (a 4K rule
     * before a cheaper one) never share an entitlement, and editing a rule's glob keeps what it sold.
     */
    private final String entitlement;
    private final Instant now;
    private final Instant until;

    PerStream(PriceRule rule, String path, Clock clock) {
        this.rule = rule;
        this.stream = StreamKeys.keyOf(rule, path);
        this.entitlement = stream + " (" + rule.entitlementKey() + ")";
        this.now = clock.instant();
        this.until = now.plus(rule.window().orElseThrow());
    }

    /**
     * Charges the price once per stream and window: {@link ChargeResult.Entitled} when already paid for. Without
     * {@code mayCharge} only that: a charge is asked for more than any budget holds, so the ledger refuses it.
     */
    ChargeResult charge(Ledger ledger, ScripAccount scrip, boolean mayCharge) throws LedgerUnavailableException {
        return ledger.chargeStream(scrip, mayCharge ? rule.price().micros() : Long.MAX_VALUE, entitlement, now,
                until);
    }

    /** The receipt of the charge that bought the entitlement. */
    String receipt(Snapshot current, Credential.Verified paid, ChargeResult.Charged charged) {
        return Receipts.stream(current.network, paid.buyerJson(), charged.receiptId(), charged.amountMicros(),
                charged.remainingMicros(), stream, until.getEpochSecond(), false);
    }

    /** Lets a request within the window through, uncharged, naming the entitlement in its receipt. */
    void forwardEntitled(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                         Snapshot current, Credential.Verified paid, ChargeResult.Entitled entitled)
            throws IOException, ServletException {
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(paid.scrip().buyer(), paid.scrip().jti(), 0,
                entitled.remainingMicros(), current.currency, entitled.receiptId()));
        PaidResponse passed = new PaidResponse(response, current.network, paid.buyerJson());
        passed.receipt(Receipts.stream(current.network, paid.buyerJson(), entitled.receiptId(), 0,
                entitled.remainingMicros(), stream, entitled.until().getEpochSecond(), true));
        chain.doFilter(request, passed);
    }
}
