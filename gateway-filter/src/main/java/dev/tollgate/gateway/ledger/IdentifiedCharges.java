package dev.tollgate.gateway.ledger;

import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Ledger#charge(ScripAccount, long, String, String)}: a scrip charge made under an x402 payment identifier,
 * answered with the receipt of the charge already made under it when the request is sent again. Lookup, charge and
 * the identifier's keeping run under the identifier's stripe ({@link PaymentIds}). Thread-safe.
 */
final class IdentifiedCharges {

    private final LockedStore store;
    private final ScripStates scrips;
    private final Resources resources;
    private final ReceiptIds receipts;
    private final PaymentIds ids;

    IdentifiedCharges(LockedStore store, ScripStates scrips, Resources resources, ReceiptIds receipts, PaymentIds ids) {
        this.store = store;
        this.scrips = scrips;
        this.resources = resources;
        this.receipts = receipts;
        this.ids = ids;
    }

    ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        PaymentIds.Hash hash = PaymentIds.Hash.of(paymentId);
        ReentrantLock stripe = ids.lock(hash);
        try {
            store.ensureOpen();
            ScripState known = scrips.known(scrip); // no row: nothing was charged on it, under any identifier
            PaymentIds.Kept earlier = known == null ? null : ids.find(new PaymentIds.Key(known.id, false, hash));
            if (earlier != null) {
                ChargeResult replayed = replay(earlier, resource, scrips.remaining(scrip));
                if (replayed != null) {
                    return replayed;
                }
            }
            PaymentIds.Key[] key = new PaymentIds.Key[1];
            int[] resourceId = new int[1];
            ChargeResult result = scrips.charge(scrip, amountMicros, resource, 0, hash, (seq, account, resourceRow) -> {
                key[0] = new PaymentIds.Key(account, false, hash);
                resourceId[0] = resourceRow;
            });
            if (result instanceof ChargeResult.Charged charged) {
                // Only now, durable: a replay must never be answered with a charge that a crash could still lose.
                ids.keep(key[0], receipts.parse(charged.receiptId()), resourceId[0], amountMicros,
                        System.currentTimeMillis(), earlier);
            }
            return result;
        } finally {
            stripe.unlock();
        }
    }

    /**
     * The same payment again if it names the same resource: its content is served on the earlier charge, which from
     * now on is not refunded; {@code null} once that charge was replayed {@link PaymentIds#MAX_REPLAYS} times (the
     * request is then charged anew). Caller holds the identifier's stripe.
     */
    private ChargeResult replay(PaymentIds.Kept earlier, String resource, long remainingMicros)
            throws LedgerUnavailableException {
        Integer resourceId = resources.lookup(resource);
        if (resourceId == null || resourceId != earlier.resourceId) {
            return new ChargeResult.PaymentIdReused(remainingMicros);
        }
        if (earlier.replays >= PaymentIds.MAX_REPLAYS) {
            return null;
        }
        long now = System.currentTimeMillis();
        store.withDb("cannot record the replay of a charge", db -> { // before the content: a refund must see it
            PaymentIds.recordServed(db, earlier.seq, now);
            return null;
        });
        ids.replayed(earlier);
        return new ChargeResult.Replayed(receipts.format(earlier.seq), earlier.amount, remainingMicros);
    }
}
