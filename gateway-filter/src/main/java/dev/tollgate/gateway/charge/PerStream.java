package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.route.StreamKeys;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;

/**
 * {@link ChargeModel#PER_STREAM} (PROTOCOL.md section 9): the first request of a stream in a window is charged like a
 * click (and refunded like one if the app fails); later ones pass on the entitlement, uncharged, whatever the app
 * answers. Range, {@code If-Range} and {@code HEAD} are the app's to answer: the gateway only decides whether the
 * request is paid.
 */
final class PerStream implements Charging {

    private final Checkout checkout;
    private final Clock clock;
    private final EntitledReceipts entitledReceipts = new EntitledReceipts();

    PerStream(Checkout checkout, Clock clock) {
        this.checkout = checkout;
        this.clock = clock;
    }

    @Override
    public void serve(PricedRequest priced, Payer payer, FilterChain chain) throws IOException, ServletException {
        checkout.serve(priced, payer, chain, new Window(priced.rule(), priced.path(), clock.instant(),
                entitledReceipts));
    }

    /** A stream's ranges and segments pass on the entitlement even where a new charge may not be made. */
    @Override
    public boolean passesOnEntitlement(PriceRule rule) {
        return true;
    }

    /** One request's stream and the window a charge now would buy. */
    private static final class Window implements Checkout.Purchase {
        private final String stream;
        /**
         * The stream as the ledger keys entitlements: named with the rule that sells it
         * ({@link PriceRule#entitlementKey}, unique among the config's per-stream rules), so two rules whose patterns
         * give the same stream key (a 4K rule before a cheaper one) never share an entitlement, and editing a rule's
         * glob keeps what it sold.
         */
        private final String entitlement;
        private final Instant now;
        private final Instant until;
        private final EntitledReceipts entitledReceipts;

        Window(PriceRule rule, String path, Instant now, EntitledReceipts entitledReceipts) {
            this.stream = StreamKeys.keyOf(rule, path);
            this.entitlement = stream + " (" + rule.entitlementKey() + ")";
            this.now = now;
            this.until = now.plus(rule.window().orElseThrow());
            this.entitledReceipts = entitledReceipts;
        }

        /**
         * Charges the price once per stream and window. A request that may not be charged asks for more than any
         * budget holds, so the ledger only finds an entitlement or refuses.
         */
        @Override
        public ChargeResult charge(PricedRequest priced, Payer payer) throws LedgerUnavailableException {
            long micros = payer.mayNotCharge() == null ? priced.rule().price().micros() : Long.MAX_VALUE;
            return payer.chargeStream(micros, entitlement, now, until);
        }

        @Override
        public String receipt(PricedRequest priced, Payer payer, ChargeResult.Charged charged) {
            return Receipts.stream(payer.network(), payer.buyerJson(), charged.receiptId(),
                    charged.amountMicros(), charged.remainingMicros(), stream, until.getEpochSecond(), false,
                    payer.reference());
        }

        /** Lets a request within the window through, uncharged, naming the entitlement in its receipt. */
        @Override
        public void passEntitled(PricedRequest priced, Payer payer, ChargeResult.Entitled entitled, FilterChain chain)
                throws IOException, ServletException {
            Snapshot current = priced.current();
            priced.request().setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(payer.buyer(), payer.paymentId(), 0,
                    entitled.remainingMicros(), current.currency, entitled.receiptId(), Payment.Basis.STREAM_WINDOW));
            PaidResponse passed = new PaidResponse(priced.response(), payer.network(), payer.buyerJson());
            passed.receipt(entitledReceipts.header(payer.network(), payer.buyerJson(), entitled.receiptId(),
                    entitled.remainingMicros(), stream, entitled.until().getEpochSecond(), payer.reference()));
            AsyncKeepsWrapper.forward(chain, priced.request(), passed);
        }
    }
}
