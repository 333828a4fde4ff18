package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Redemption batches (docs/PROTOCOL.md sections 6 and 8): a seller is credited what its gateways charged on its
 * scrip and PayWord chains, the whole batch in one transaction. Thread-safe.
 */
final class Redemptions {

    /** One entry of a redemption batch: a scrip claim, a verified PayWord claim, or a claim refused already. */
    sealed interface Entry permits Claim, PayWordRedemptions.Claim, Refused {
    }

    /**
     * One claim of a redemption batch: the cumulative amount the seller charged on a scrip at one of its ledgers
     * ({@code ""}: its single ledger).
     */
    record Claim(String jti, String ledger, long spent) implements Entry {
        Claim(String jti, long spent) {
            this(jti, "", spent);
        }
    }

    /** A claim refused before the transaction (a PayWord claim that did not verify). */
    record Refused(ClaimResult result) implements Entry {
    }

    /**
     * The outcome of one claim: {@code status} credited, unchanged or refused (with {@code reason}). A scrip claim
     * names its {@code jti}; a PayWord claim its {@code commitmentId} and the highest {@code index} credited.
     */
    record ClaimResult(String jti, String commitmentId, String status, long credited, long redeemed, long index,
                       String reason) {
        static ClaimResult scrip(String jti, String status, long credited, long redeemed) {
            return new ClaimResult(jti, null, status, credited, redeemed, 0, null);
        }

        static ClaimResult refused(String jti, String reason) {
            return new ClaimResult(jti, null, "refused", 0, 0, 0, reason);
        }

        static ClaimResult payword(String commitmentId, String status, long credited, long redeemed, long index) {
            return new ClaimResult(null, commitmentId, status, credited, redeemed, index, null);
        }

        static ClaimResult paywordRefused(String commitmentId, String reason) {
            return new ClaimResult(null, commitmentId, "refused", 0, 0, 0, reason);
        }
    }

    private final Database database;
    private final Clock clock;

    Redemptions(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Redeems a batch of claims for {@code seller} in one transaction: on each of its scrip, credits
     * {@code min(spent, budget - what the scrip's other ledgers redeemed) - what the claim's ledger redeemed} (if
     * positive) from the buyer's reserved amount to the seller; a ledger beyond {@link ScripLedgers#MAX_PER_SCRIP} on
     * one scrip is refused as {@code too_many_ledgers}. A scrip
     * whose expiry plus {@code grace} has passed is first returned to its buyer (as {@link ExpiryReturns} would) and
     * the claim refused as {@code expired}. PayWord claims are credited by {@link PayWordRedemptions#credit} in the
     * same transaction; entries refused before it are answered as they are. Results are in the order of the entries.
     */
    List<ClaimResult> redeem(String seller, String batch, List<? extends Entry> entries, Duration grace)
            throws SQLException {
        return database.write(c -> {
            long now = clock.instant().getEpochSecond();
            long cutoff = now - grace.getSeconds();
            List<ClaimResult> results = new ArrayList<>(entries.size());
            for (Entry entry : entries) {
                if (entry instanceof Refused refused) {
                    results.add(refused.result());
                    continue;
                }
                if (entry instanceof PayWordRedemptions.Claim payword) {
                    results.add(PayWordRedemptions.credit(c, seller, batch, payword, now, cutoff));
                    continue;
                }
                Claim claim = (Claim) entry;
                ScripStore.HeldScrip held = ScripStore.held(c, claim.jti());
                if (held == null) {
                    results.add(ClaimResult.refused(claim.jti(), "unknown_scrip"));
                    continue;
                }
                if (!held.seller().equals(seller)) {
                    results.add(ClaimResult.refused(claim.jti(), "wrong_seller"));
                    continue;
                }
                if (held.status().equals("returned")) {
                    results.add(ClaimResult.refused(claim.jti(), "expired"));
                    continue;
                }
                if (held.expiresAt() <= cutoff) {
                    ScripStore.returnToBuyer(c, claim.jti(), held.buyer(), held.budget() - held.redeemed(), now);
                    results.add(ClaimResult.refused(claim.jti(), "expired"));
                    continue;
                }
                if (!ScripLedgers.admits(c, claim.jti(), claim.ledger())) {
                    results.add(ClaimResult.refused(claim.jti(), "too_many_ledgers"));
                    continue;
                }
                long mine = ScripLedgers.redeemed(c, claim.jti(), claim.ledger());
                long others = held.redeemed() - mine;
                long delta = Math.min(claim.spent(), held.budget() - others) - mine;
                if (delta <= 0) {
                    results.add(ClaimResult.scrip(claim.jti(), "unchanged", 0, mine));
                    continue;
                }
                ScripStore.credit(c, claim.jti(), held, claim.ledger(), batch, delta, now);
                results.add(ClaimResult.scrip(claim.jti(), "credited", delta, mine + delta));
            }
            return List.copyOf(results);
        });
    }
}
