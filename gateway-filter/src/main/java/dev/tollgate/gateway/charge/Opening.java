package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.time.Instant;

/**
 * One request under a per-click rule with an access window or passes (docs/CONFIG.md "Access windows and passes"):
 * what opens the item to the buyer, in this order: a pass of the rule the buyer holds, the pass the payment buys now,
 * the item's access window (bought now or before), else a plain click. Windows and passes are the ledger's stream
 * entitlements ({@link dev.tollgate.gateway.ledger.Ledger#chargeStream}), keyed by the broker's buyer id and the
 * item's path (so the sales report names the item as for a click) or {@link Pass#entitlementKey}: durable as their
 * charge, refunded with it, and shared by every node of a cluster as a stream's are. A stream's entitlement key ends
 * in its rule's name in parentheses and a pass's starts with {@code pass }: a path names neither unless the site
 * serves such a path under a window rule (then a stream's buyer could re-read that one item free). Made per request; used by its thread.
 */
final class Opening implements Checkout.Purchase {

    private final Instant now;
    /** The pass that opened (or is bought by) this request; {@code null} for the item's window or a click. */
    private Pass pass;
    private Instant until;

    Opening(Instant now) {
        this.now = now;
    }

    @Override
    public long priceMicros(PricedRequest priced, Payer payer) {
        Pass buying = payer.chosenPass();
        return buying != null ? buying.price().micros() : priced.rule().price().micros();
    }

    /**
     * Finds or buys what opens the item. A request that may not be charged ({@link Payer#mayNotCharge}) only finds:
     * it asks for more than any budget holds, so the ledger finds an entitlement or refuses, and Checkout answers the
     * refusal with the payer's reason.
     */
    @Override
    public ChargeResult charge(PricedRequest priced, Payer payer) throws PaymentException, LedgerUnavailableException {
        PriceRule rule = priced.rule();
        boolean mayCharge = payer.mayNotCharge() == null;
        ChargeResult found = null;
        for (Pass held : rule.passes()) {
            found = payer.chargeStream(Long.MAX_VALUE, held.entitlementKey(), now, now.plus(held.duration()));
            if (found instanceof ChargeResult.Entitled) {
                pass = held;
                return found;
            }
        }
        Pass buying = payer.chosenPass();
        if (buying != null) {
            pass = buying;
            until = now.plus(buying.duration());
            return payer.chargeStream(mayCharge ? buying.price().micros() : Long.MAX_VALUE, buying.entitlementKey(),
                    now, until);
        }
        if (rule.access().isPresent()) {
            until = now.plus(rule.access().get());
            return payer.chargeStream(mayCharge ? rule.price().micros() : Long.MAX_VALUE, priced.path(), now, until);
        }
        return mayCharge ? PerClick.click(priced, payer) : found;
    }

    @Override
    public String receipt(PricedRequest priced, Payer payer, ChargeResult.Charged charged) {
        if (until == null) {
            return payer.receipt(priced, charged);
        }
        return Receipts.opened(payer.network(), payer.buyerJson(), charged.receiptId(), charged.amountMicros(),
                charged.remainingMicros(), pass == null ? null : pass.id(), until.getEpochSecond(), false,
                payer.reference());
    }

    /** Lets a request the buyer holds a window or pass for through, uncharged, naming it in its receipt. */
    @Override
    public void passEntitled(PricedRequest priced, Payer payer, ChargeResult.Entitled entitled, FilterChain chain)
            throws IOException, ServletException {
        priced.request().setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(payer.buyer(), payer.paymentId(), 0,
                entitled.remainingMicros(), priced.current().currency, entitled.receiptId(),
                pass == null ? Payment.Basis.ACCESS_WINDOW : Payment.Basis.PASS));
        PaidResponse passed = new PaidResponse(priced.response(), payer.network(), payer.buyerJson());
        passed.receipt(Receipts.opened(payer.network(), payer.buyerJson(), entitled.receiptId(), 0,
                entitled.remainingMicros(), pass == null ? null : pass.id(), entitled.until().getEpochSecond(), true,
                payer.reference()));
        AsyncKeepsWrapper.forward(chain, priced.request(), passed);
    }
}
