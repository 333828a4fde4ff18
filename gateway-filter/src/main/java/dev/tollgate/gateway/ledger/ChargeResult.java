package dev.tollgate.gateway.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of a charge: the amount was charged durably, or nothing was charged because the budget could not cover
 * it ({@link Insufficient}), the buyer already holds an entitlement ({@link Entitled}, streams) or a PayWord chain's
 * head moved meanwhile ({@link HeadMoved}), or a PayWord chain's first payment was refused because its certificate
 * already has the same chain or not enough limit left at this ledger ({@link ChainRefused}), or the request is one
 * made again under an x402 payment identifier ({@link Replayed}, {@link PaymentIdReused}).
 *
 * @since 0.1
 */
public sealed interface ChargeResult {

    /** Micro-units left on the scrip (or a PayWord chain's credit) after this outcome. */
    long remainingMicros();

    /**
     * The charge is durable: it survives a killed process and will be settled with the broker.
     *
     * @param receiptId unique across nodes and restarts; the {@code transaction} of the x402 settlement response
     * @param amountMicros what was charged
     * @param remainingMicros what is left on the scrip after this charge
     */
    record Charged(String receiptId, long amountMicros, long remainingMicros) implements ChargeResult {
    }

    /** Nothing was charged: the remaining budget is below the amount asked for. */
    record Insufficient(long remainingMicros) implements ChargeResult {
    }

    /**
     * Nothing was charged: the buyer already holds an entitlement to the stream ({@link Ledger#chargeStream}).
     *
     * @param receiptId the receipt of the charge that bought the entitlement
     * @param until when the entitlement ends
     * @param remainingMicros what is left on the scrip presented
     */
    record Entitled(String receiptId, Instant until, long remainingMicros) implements ChargeResult {
        public Entitled {
            Objects.requireNonNull(receiptId, "receiptId cannot be null.");
            Objects.requireNonNull(until, "until cannot be null.");
        }
    }

    /**
     * Nothing was charged: the chain's head is no longer the one the caller verified against
     * ({@link Ledger#chargeChain}). Verify the word against {@code head} and try again.
     */
    record HeadMoved(ChainHead head) implements ChargeResult {
        public HeadMoved {
            Objects.requireNonNull(head, "head cannot be null.");
        }

        @Override
        public long remainingMicros() {
            return head.creditMicros();
        }
    }

    /**
     * Nothing was charged and no chain was recorded: a new chain's row would break a rule of its certificate
     * ({@link Ledger#chargeChain}). Answer {@code 402 invalid_commitment} with {@link #message()}.
     *
     * @param reason which rule
     * @param message for the buyer: names the rule and amounts, never the commitment or a word
     */
    record ChainRefused(Reason reason, String message) implements ChargeResult {
        public ChainRefused {
            Objects.requireNonNull(reason, "reason cannot be null.");
            Objects.requireNonNull(message, "message cannot be null.");
        }

        /** Why a new chain was refused. */
        public enum Reason {
            /** The certificate already has a chain with this root here: the words were paid once already. */
            SAME_ROOT,
            /** The certificate already has a chain from a commitment with this {@code jti} here. */
            SAME_JTI,
            /** The certificate's chains here would commit more than its limit. */
            OVER_LIMIT
        }

        @Override
        public long remainingMicros() {
            return 0;
        }
    }

    /**
     * Nothing was charged: the account already has a charge under the request's payment identifier, for the same
     * resource, within the window (PROTOCOL.md section 11). The request is the same payment sent again; answer it with
     * that charge's receipt.
     *
     * @param receiptId the receipt of the charge made under the identifier
     * @param amountMicros what that charge was
     * @param remainingMicros what is left on the account now
     * @since 0.4
     */
    record Replayed(String receiptId, long amountMicros, long remainingMicros) implements ChargeResult {
        public Replayed {
            Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        }
    }

    /**
     * Nothing was charged: the account already has a charge under the request's payment identifier for another
     * resource. An identifier names one payment; answer {@code 402 malformed_payment}.
     *
     * @since 0.4
     */
    record PaymentIdReused(long remainingMicros) implements ChargeResult {
    }
}
