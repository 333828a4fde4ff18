package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the seller's app for a charged request, whatever paid for it (scrip or a PayWord chain), and refunds the
 * charge when the app fails before any content was sent: it answers 400 or above, throws, times out or errs
 * asynchronously. Content that failed after it started to be sent is not refunded, or a buyer could read most of a
 * download and reset the connection to be refunded. Thread-safe.
 */
final class PaidForwarding {

    private static final Logger LOG = LoggerFactory.getLogger(PaidForwarding.class);

    private final Ledger ledger;
    private final Runnable refunded;
    private final Consumer<String> requestEnded;

    /**
     * @param refunded runs after each refund is recorded (the settler re-reads what it was about to claim)
     * @param requestEnded takes the scrip id of a request whose charge is final or refunded (the settler may claim it)
     */
    PaidForwarding(Ledger ledger, Runnable refunded, Consumer<String> requestEnded) {
        this.ledger = ledger;
        this.refunded = refunded;
        this.requestEnded = requestEnded;
    }

    /** Refunds a receipt; {@code false} if the refund could not be recorded (the charge then stands). */
    boolean refund(String receiptId, String why) {
        try {
            ledger.refund(receiptId);
            refunded.run();
            LOG.debug("Refunded {}: {}", receiptId, why);
            return true;
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Could not refund {} ({}); the buyer was charged for a failed response", receiptId, why, e);
            return false;
        }
    }

    /**
     * Runs {@code chain} with {@code paid} as the response. Returns whether the request went asynchronous: its
     * listener then decides the refund and, once it completes, ends the request of {@code scripJti} (none if null).
     * Otherwise the refund is decided before this returns (or throws), and ending the request is the caller's.
     */
    boolean forward(HttpServletRequest request, HttpServletResponse response, FilterChain chain, PaidResponse paid,
                    String scripJti) throws IOException, ServletException {
        boolean delivered = false;
        boolean async = false;
        try {
            chain.doFilter(request, paid);
            delivered = true;
        } finally {
            async = delivered && request.isAsyncStarted();
            if (async) {
                request.getAsyncContext().addListener(new RefundOnFailure(paid, scripJti));
            } else if (delivered) {
                if (response.getStatus() >= 400) {
                    paid.refund("the content answered " + response.getStatus());
                }
            } else {
                refundUnlessDelivering(paid, response, "the content threw");
            }
        }
        return async;
    }

    private static void refundUnlessDelivering(PaidResponse paid, HttpServletResponse response, String why) {
        if (!response.isCommitted()) {
            paid.refund(why);
        } else {
            LOG.info("Kept a charge whose content failed after it started to be sent ({})", why);
        }
    }

    /** Refunds an asynchronously completed request whose content failed before it was sent. */
    private final class RefundOnFailure implements AsyncListener {
        private final PaidResponse paid;
        private final String scripJti;

        RefundOnFailure(PaidResponse paid, String scripJti) {
            this.paid = paid;
            this.scripJti = scripJti;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            try {
                if (event.getSuppliedResponse() instanceof HttpServletResponse r && r.getStatus() >= 400) {
                    paid.refund("the content answered " + r.getStatus());
                }
            } finally {
                if (scripJti != null) {
                    requestEnded.accept(scripJti);
                }
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            refundUnlessDelivering(paid, (HttpServletResponse) paid.getResponse(), "the content timed out");
        }

        @Override
        public void onError(AsyncEvent event) {
            refundUnlessDelivering(paid, (HttpServletResponse) paid.getResponse(), "the content failed");
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
