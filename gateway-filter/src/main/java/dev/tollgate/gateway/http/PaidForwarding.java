package dev.tollgate.gateway.http;

import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.config.ConfigValidator;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.settlement.OnlineVoids;
import dev.tollgate.gateway.settlement.RefundHold;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the seller's app for a charged request, whatever paid for it (scrip or a PayWord chain), and refunds the
 * charge when the app fails before any content was sent: it answers 400 or above, throws, times out or errs
 * asynchronously. Content that failed after it started to be sent is not refunded, or a buyer could read most of a
 * download and reset the connection to be refunded.
 *
 * <p>Every refund goes through the request's {@link RefundHold}: a charge the settler has already taken as final
 * (its content was on its way, or the refund window passed) is never refunded, and the receipt says so. Thread-safe.
 */
public final class PaidForwarding implements PaidResponse.Refunder {

    private static final Logger LOG = LoggerFactory.getLogger(PaidForwarding.class);

    /** What became of a refund. */
    public enum Refund {
        /** The money went back to the buyer. */
        REFUNDED("refunded"),
        /** The ledger could not record the refund: the charge stands. */
        NOT_RECORDED("the refund could not be recorded yet; the seller's records show the charge"),
        /** The ledger kept the charge: the stream entitlement it bought was already used by another request. */
        KEPT("the charge stands: what it bought was already used"),
        /** The charge was final before the failure: the refund window had passed. */
        FINAL("the charge stands: it was final before the failure (the refund window had passed)");

        final String why;

        Refund(String why) {
            this.why = why;
        }
    }

    private final Ledger ledger;
    private final RefundLimit limit;

    public PaidForwarding(Ledger ledger, RefundLimit limit) {
        this.ledger = ledger;
        this.limit = limit;
    }

    /**
     * Refunds a receipt unless its charge is final. The hold is released once the ledger has answered (its refund is
     * recorded, or failed and the charge stands), never before.
     */
    @Override
    public Refund refund(RefundHold hold, String receiptId, String why, boolean buyersDoing) {
        return refund(hold, receiptId, why, buyersDoing, null, null);
    }

    /**
     * Refunds an online charge the broker confirmed or may have recorded, unless its charge is final: its void at the
     * broker is queued durably first, then the ledger refunds it ({@link OnlineVoids#refund}; the settler finishes
     * whatever a crash interrupts). A void that cannot be queued leaves the charge standing.
     */
    public Refund refundOnline(OnlineVoids voids, String scripJti, RefundHold hold, String receiptId, String why,
                               boolean buyersDoing) {
        return refund(hold, receiptId, why, buyersDoing, voids, scripJti);
    }

    /** Every refund counts against its account ({@link RefundLimit}); one the buyer could choose counts twice. */
    private Refund refund(RefundHold hold, String receiptId, String why, boolean buyersDoing, OnlineVoids voids,
                         String scripJti) {
        switch (hold.startRefund()) {
            case FINAL -> {
                LOG.info("Kept charge {} ({}): the refund window had passed", receiptId, why);
                return Refund.FINAL;
            }
            case ALREADY -> {
                return Refund.KEPT; // another thread refunds it; this call did not
            }
            default -> {
            }
        }
        try {
            Refund outcome = voids == null ? refundInLedger(receiptId, why)
                    : refundOnline(voids, scripJti, receiptId, why);
            if (outcome == Refund.REFUNDED) {
                limit.refunded(hold, buyersDoing);
            }
            return outcome;
        } finally {
            hold.refundDone();
        }
    }

    /** Queues the void, then refunds in the ledger; the hold is the caller's. */
    private Refund refundOnline(OnlineVoids voids, String scripJti, String receiptId, String why) {
        // Online charges are per-click only (ConfigValidator), so the ledger never keeps one it is asked to refund
        // (KEPT is a per-stream entitlement already used): a queued void always goes with a refund.
        Refund[] outcome = {Refund.NOT_RECORDED}; // if the void cannot be queued, nothing is refunded
        voids.refund(receiptId, scripJti, () -> (outcome[0] = refundInLedger(receiptId, why)) == Refund.REFUNDED);
        return outcome[0];
    }

    private Refund refundInLedger(String receiptId, String why) {
        try {
            if (ledger.refund(receiptId)) {
                LOG.debug("Refunded {}: {}", receiptId, why);
                return Refund.REFUNDED;
            }
            return Refund.KEPT;
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Could not refund {} ({}); the buyer was charged for a failed response", receiptId, why, e);
            return Refund.NOT_RECORDED;
        }
    }

    /**
     * Runs {@code chain} with {@code paid} as the response; the refund window of {@code paid}'s hold starts now.
     * Returns whether the request went asynchronous: its listener then decides the refund and, once it completes,
     * ends the hold. Otherwise the refund is decided before this returns (or throws), and ending the hold is the
     * caller's.
     */
    public boolean forward(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                           PaidResponse paid)
            throws IOException, ServletException {
        paid.hold().forwarding(paid);
        boolean delivered = false;
        boolean async = false;
        Throwable thrown = null;
        try {
            chain.doFilter(new AsyncKeepsWrapper(request, paid), paid); // paid content goes through paid
            delivered = true;
        } catch (Throwable t) {
            thrown = t;
            throw t;
        } finally {
            async = delivered && request.isAsyncStarted();
            if (async) {
                request.getAsyncContext().addListener(new RefundOnFailure(paid));
            } else if (delivered) {
                if (response.getStatus() >= 400) {
                    paid.failedWith(response.getStatus());
                }
            } else {
                refundUnlessDelivering(paid, response, ThrownStatus.buyersDoing(thrown)
                        ? "the request could not be read (" + ThrownStatus.of(thrown) + ")" : "the content threw", thrown);
            }
        }
        return async;
    }

    /** {@code thrown}: what the app threw, if it did; a refund for one the container answers 4xx is the buyer's doing. */
    private static void refundUnlessDelivering(PaidResponse paid, HttpServletResponse response, String failure,
                                               Throwable thrown) {
        if (!response.isCommitted()) {
            paid.failed(failure, thrown != null && ThrownStatus.buyersDoing(thrown));
        } else {
            LOG.info("Kept a charge whose content failed after it started to be sent ({})", failure);
        }
    }

    /** Refunds an asynchronously completed request whose content failed before it was sent; ends its hold. */
    private static final class RefundOnFailure implements AsyncListener {
        private final PaidResponse paid;

        RefundOnFailure(PaidResponse paid) {
            this.paid = paid;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            try {
                if (event.getSuppliedResponse() instanceof HttpServletResponse r && r.getStatus() >= 400) {
                    paid.failedWith(r.getStatus());
                }
            } finally {
                paid.hold().end();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            refundUnlessDelivering(paid, (HttpServletResponse) paid.getResponse(), "the content timed out", null);
        }

        @Override
        public void onError(AsyncEvent event) {
            refundUnlessDelivering(paid, (HttpServletResponse) paid.getResponse(), "the content failed",
                    event.getThrowable());
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
