package dev.tollgate.gateway.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * Where charges are recorded. The embedded default is {@link SqliteLedger}; a cluster of gateway nodes shares one
 * ledger (a Redis implementation satisfies the same contract).
 *
 * <p>The contract every implementation keeps:
 * <ul>
 *   <li>{@link #charge} is atomic per scrip: concurrent charges on one scrip, from any thread or node, never take
 *       the sum of net charges above its budget.</li>
 *   <li>A {@link ChargeResult.Charged} is durable before it is returned: a process killed right after loses it
 *       not, and a restarted process sees it (no double spend after restart).</li>
 *   <li>{@link #refund} is idempotent: refunding a receipt twice returns the money once.</li>
 *   <li>{@link #queueVoid} is durable before it returns, like a charge, and idempotent.</li>
 *   <li>Any failure to be sure of the above throws {@link LedgerUnavailableException}; callers fail closed.</li>
 *   <li>A charge that is refused ({@link ChargeResult.Insufficient}, {@link ChargeResult.HeadMoved},
 *       {@link ChargeResult.ChainRefused}) records nothing: no scrip, chain or resource, so a buyer without budget
 *       cannot make the ledger grow.</li>
 * </ul>
 * What a ledger reports without changing anything is in {@link LedgerView}: the filter hands that view, and not the
 * ledger, to the seller's app. Implementations are thread-safe.
 *
 * @since 0.1
 */
public interface Ledger extends LedgerView, AutoCloseable {

    /**
     * Charges {@code amountMicros} against the scrip's remaining budget, or charges nothing if it does not cover it.
     *
     * @param scrip the verified scrip; the first charge on a scrip records its budget
     * @param amountMicros the price, at least 0
     * @param resource what was bought (the request path), kept with the receipt for the seller's records
     */
    ChargeResult charge(ScripAccount scrip, long amountMicros, String resource) throws LedgerUnavailableException;

    /**
     * Charges like {@link #charge(ScripAccount, long, String)}, once per x402 payment identifier (PROTOCOL.md section
     * 11): a request sent again because its answer was lost is not charged twice. Atomic per
     * {@code (scrip, paymentId)}:
     * <ul>
     *   <li>if the scrip has a charge under {@code paymentId} within the ledger's window, not refunded, for the same
     *       {@code resource}: {@link ChargeResult.Replayed} with that charge's receipt, nothing charged, and that
     *       charge is not refunded any more (a request got its content on it);</li>
     *   <li>if that charge is for another resource: {@link ChargeResult.PaymentIdReused}, nothing charged;</li>
     *   <li>otherwise it charges, and keeps the identifier with the charge in the same durable record. Refunding that
     *       charge forgets the identifier, so the next request under it is charged anew.</li>
     * </ul>
     *
     * <p>The default charges without keeping the identifier: a ledger that keeps none never replays, and a retry is
     * charged again.
     *
     * @param paymentId names the payment: the identifier the buyer chose (16 to 128 characters of
     *     {@code [A-Za-z0-9_-]}), which the gateway follows with the request's method and query, so that an
     *     identifier pays for one request only; the ledger keeps a hash of it
     * @since 0.4
     */
    default ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        return charge(scrip, amountMicros, resource);
    }

    /**
     * Returns a receipt's amount to its scrip, as when the seller's app failed to deliver.
     *
     * @return {@code true} if this call refunded it; {@code false} if it was already refunded, or if the charge
     *     stands because it bought a stream entitlement another request has already used
     * @throws IllegalArgumentException if no such receipt exists
     */
    boolean refund(String receiptId) throws LedgerUnavailableException;

    /**
     * Records that the broker has confirmed settlement of a scrip up to a cumulative amount. Amounts never go
     * backwards: a lower value than already recorded is ignored, so replies to retried batches are harmless.
     */
    void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException;

    /**
     * Makes a scrip this ledger has never seen unchargeable here for good, so that the broker may return its whole
     * budget to its buyer: the browser flow cancels scrip the broker issued for a purchase the gateway then refused
     * (PROTOCOL.md section 10). Durable before it returns, and atomic with {@link #charge}: either a charge or load
     * of the scrip came first, and this returns {@code false} and changes nothing, or every later charge finds no
     * budget left.
     *
     * <p>The default returns {@code false}: a ledger that cannot promise this never has scrip cancelled, which then
     * returns to its buyer at its expiry.
     *
     * @return {@code true} if the scrip was unknown here and now cannot be charged here
     * @since 0.3
     */
    default boolean closeUnused(ScripAccount scrip) throws LedgerUnavailableException {
        return false;
    }

    /**
     * The one-use values (the browser flow's purchase states) this ledger keeps for every node that shares it, if it
     * is shared. The default is none: the node keeps its own in memory.
     *
     * @since 0.5
     */
    default Optional<OneUseValues> oneUseValues() {
        return Optional.empty();
    }

    // ---------------------------------------------------------------- streams (since 0.2)

    /**
     * Charges for a stream unless the buyer already holds an entitlement to it. Atomic per
     * {@code (scrip.issuer, scrip.buyer, stream)}: concurrent first requests of one stream charge once.
     *
     * <p>If an entitlement of this buyer to {@code stream} ends after {@code now} (bought with this or any other scrip
     * of the buyer from the same issuer), returns {@link ChargeResult.Entitled} and charges nothing. Otherwise charges
     * like {@link #charge} (with {@code stream} as the resource) and, in the same durable record, entitles the buyer
     * to the stream until {@code entitledUntil}. Refunding that charge revokes the entitlement.
     */
    ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now, Instant entitledUntil)
            throws LedgerUnavailableException;

    // ---------------------------------------------------------------- PayWord chains (since 0.2)

    /**
     * Pays with the chain's word {@code (index, word)} and charges {@code amountMicros} from the chain's credit.
     * The caller has verified the word against {@code expected} (a head this ledger returned): for
     * {@code index > expected.index}, {@code SHA-256^(index - l)(word) = w_l}; otherwise
     * {@code SHA-256^(l - index)(w_l) = word} (a lower word follows from the head).
     *
     * <p>The first payment on a chain that pays records its row: one against a head other than the root is
     * {@link ChargeResult.HeadMoved} with the root, and one whose words do not cover the amount
     * ({@code index x unit < amountMicros}) is {@link ChargeResult.Insufficient} with 0, both recording nothing. The
     * insertion is also refused, atomically with the check, when the chain's certificate
     * ({@link ChainAccount#certificateId()} of its issuer) already has, at this ledger, a chain
     * with the same root or a chain from a commitment with the same {@code jti} (a re-signed commitment would pay the
     * same words again), or when the sum of {@code length x unit} over the certificate's chains here, this one
     * included, would exceed {@link ChainAccount#certificateLimitMicros()} (one limit spent many times). Then
     * {@link ChargeResult.ChainRefused} says why; nothing is recorded and nothing changes. A chain whose row exists
     * is never refused for these reasons.
     *
     * <p>Atomic per chain:
     * <ul>
     *   <li>if the head is no longer {@code expected}: {@link ChargeResult.HeadMoved} with the current head, nothing
     *       changed;</li>
     *   <li>if the credit after moving the head to {@code max(index, l)} would not cover {@code amountMicros}:
     *       {@link ChargeResult.Insufficient} with the credit now, nothing changed (the head does not move);</li>
     *   <li>else the head moves to {@code (index, word)} if {@code index > l}, the amount is charged from the credit,
     *       both durably (the head first), and {@link ChargeResult.Charged} says what credit is left.</li>
     * </ul>
     * {@link #refund} of the receipt returns the amount to the chain's credit; the head never moves back.
     *
     * @param resource what was bought (the request path)
     */
    ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                             String resource) throws LedgerUnavailableException;

    /**
     * Records that the broker has credited a chain {@code settledMicros} in all, having verified its word at
     * {@code settledIndex}. Neither goes backwards: lower values than recorded are ignored.
     *
     * @throws IllegalArgumentException if the chain has no payments here, the index is beyond its head, or the amount
     *     beyond what its head paid
     * @since 0.3 (0.2 took the index alone)
     */
    void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex)
            throws LedgerUnavailableException;

    // ---------------------------------------------------------------- online voids (since 0.3)

    /**
     * Durably queues the void, at the broker, of the online charge of {@code receiptId} (docs/PROTOCOL.md section 7):
     * the settlement outbox. The caller queues the void <em>before</em> it refunds the charge with {@link #refund}, so
     * that every crash point leaves a state the settler finishes: a void queued but its charge not refunded
     * ({@link PendingVoid#refunded()} false) is refunded by the settler before it sends the void. Idempotent: queuing
     * a receipt again changes nothing. Durable as a charge is before it returns.
     *
     * <p>The default implementation keeps no outbox and throws {@link LedgerUnavailableException}: the gateway then
     * keeps the charge (it does not refund what it cannot void) and says so in the receipt.
     *
     * @throws IllegalArgumentException if no such receipt exists, or it is not a charge on scrip
     */
    default void queueVoid(String receiptId) throws LedgerUnavailableException {
        throw new LedgerUnavailableException(getClass().getName() + " keeps no outbox of online voids");
    }

    /**
     * Takes the void of {@code receiptId} out of the queue: the broker confirmed it (or knows the charge is void).
     * Idempotent; a receipt that is not queued is ignored. The default implementation does nothing.
     */
    default void voidConfirmed(String receiptId) throws LedgerUnavailableException {
    }

    /**
     * The id this ledger's claims and online charges carry at the broker when it is one of several ledgers that
     * settle the same seller's scrip (PROTOCOL.md section 6, "Several ledgers"): the broker then keeps each scrip's
     * cumulative claims per (scrip, ledger) and credits their sum. Empty, the default, for a seller's single ledger,
     * whose claims carry no id. It must never change for a ledger's file: claims under another id would be counted
     * again.
     *
     * @since 0.5
     */
    default Optional<String> settlementLedgerId() {
        return Optional.empty();
    }

    /** Flushes and releases the store; later calls throw {@link LedgerUnavailableException}. */
    @Override
    void close();
}
