package dev.tollgate.gateway.settlement;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The charges the settler must not claim yet because their requests may still refund them (docs/PROTOCOL.md
 * section 6, "What is claimed"). A claim can never go down, so a charge whose app may still fail is held back: the
 * settler claims {@code charged - held} per scrip (or PayWord chain), and the rest of that scrip's charges at once.
 *
 * <p>A hold ({@link RefundHold}) is made before its charge and ends, at the latest, when its request ends. While the
 * request runs it ends as soon as paid content is on its way (the response is committed with a status below 400:
 * the gateway never refunds after that) or when the refund window ({@code settlement.refund-window}) has passed
 * since the request was handed to the app. A later failure is then not refunded: a refund and the deadline are
 * decided by one compare-and-set on the hold, so the charge is claimed or refunded, never both. Nothing a buyer does
 * keeps a charge out of claims longer than the window plus one settlement interval.
 *
 * <p>Why a refunded hold may stay a little: the settler reads the ledger's totals and then the holds. A refund
 * recorded between the two reads, whose hold were already gone, would leave the refunded charge in a claim. So a
 * hold whose refund finished while a settler pass was reading stays counted until the next pass begins, when the
 * ledger is known to show the refund; otherwise it goes at once. (This replaces a global refund counter that made a
 * pass read again: a buyer causing refunds without pause could have kept every pass reading.)
 *
 * <p>One instance serves every broker's settler: each reads the holds of its broker's scrip and chains (by issuer),
 * and a pass of one broker's settler keeps only that broker's refunded holds.
 *
 * <p>Bounded by the requests in flight: one hold per request being charged or forwarded with a refundable charge,
 * plus holds refunded during one settler read (milliseconds). Holds of requests that never end are dropped once
 * final. Per-stream requests within their window and metered requests (final unit by unit) hold nothing.
 * Thread-safe; the request path adds and removes one entry of a concurrent set per paid request.
 *
 * @since 0.3
 */
public final class RefundHolds {

    private final Set<RefundHold> holds = ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private final long windowMillis;
    /** The issuers whose settler pass reads the ledger and the holds now. */
    private final Set<String> reading = ConcurrentHashMap.newKeySet();

    RefundHolds(Clock clock, Duration window) {
        this.clock = Objects.requireNonNull(clock);
        if (window.isNegative()) {
            throw new IllegalArgumentException("refund window must not be negative: " + window);
        }
        this.windowMillis = window.toMillis();
    }

    /** Holds {@code amountMicros} of a scrip about to be charged for a request whose app may still fail. */
    public RefundHold scrip(String issuer, String jti, long amountMicros) {
        return add(new RefundHold(this, false, issuer, jti, amountMicros));
    }

    /** Holds {@code amountMicros} of a PayWord chain's consumption, like {@link #scrip}. */
    public RefundHold chain(String issuer, String commitmentId, long amountMicros) {
        return add(new RefundHold(this, true, issuer, commitmentId, amountMicros));
    }

    private RefundHold add(RefundHold hold) {
        holds.add(hold);
        return hold;
    }

    long now() {
        return clock.millis();
    }

    /** The end of a window starting now: never 0, which means "not forwarded yet" to a hold. */
    long deadlineFromNow() {
        long now = clock.millis();
        return now > Long.MAX_VALUE - windowMillis ? Long.MAX_VALUE : Math.max(1, now + windowMillis);
    }

    void remove(RefundHold hold) {
        holds.remove(hold);
    }

    /**
     * A hold's refund is recorded: it goes now, unless a settler pass of its broker may have read the ledger before
     * the refund.
     */
    void refunded(RefundHold hold) {
        if (!reading.contains(hold.issuer)) {
            holds.remove(hold);
        }
    }

    /**
     * Settler side, before it reads the ledger for the broker {@code issuer}: that broker's holds refunded before now
     * are dropped (the read shows their refunds), and its refunds from now on keep their holds until its next pass.
     */
    void beginRead(String issuer) {
        reading.add(issuer);
        holds.removeIf(h -> h.state() == RefundHold.REFUNDED && h.issuer.equals(issuer));
    }

    /** Settler side, after the ledger and {@link #held} were read for the broker {@code issuer}. */
    void endRead(String issuer) {
        reading.remove(issuer);
    }

    /**
     * Settler side, after the ledger was read: what to leave out of each claim on the broker {@code issuer}'s
     * accounts, by {@link #key}. Makes final (and drops) the holds whose content is on its way or whose window has
     * passed, of any broker: a final charge is claimable.
     */
    Map<String, Long> held(String issuer) {
        return sum(hold -> hold.issuer.equals(issuer) ? key(hold.chain, hold.issuer, hold.account) : null);
    }

    /**
     * Like {@link #held}, by scrip jti (the void outbox's key), for the charges sent to the broker to be confirmed
     * online only: the broker may count them in a scrip's {@code redeemed} though no claim has, and a refund of theirs
     * would void them. Charges only in this ledger are in no broker total until claimed.
     */
    Map<String, Long> heldAtBrokerByJti(String issuer) {
        return sum(hold -> hold.chain || !hold.atBroker() || !hold.issuer.equals(issuer) ? null : hold.account);
    }

    /** Sums the holds not final by {@code keyOf} (none if it is {@code null}); drops the final ones. */
    private Map<String, Long> sum(Function<RefundHold, String> keyOf) {
        long now = clock.millis();
        Map<String, Long> held = new HashMap<>();
        for (RefundHold hold : holds) {
            if (hold.finalizeIfDue(now) || hold.state() == RefundHold.FINAL) {
                holds.remove(hold);
                continue;
            }
            String key = keyOf.apply(hold);
            if (key != null) {
                held.merge(key, hold.amountMicros, Long::sum);
            }
        }
        return held;
    }

    /** The broker {@code issuer}'s holds not known to be final now: how many, and their amount in all (status). */
    long[] totals(String issuer) {
        long count = 0;
        long micros = 0;
        for (RefundHold hold : holds) {
            if (hold.state() != RefundHold.FINAL && hold.issuer.equals(issuer)) {
                count++;
                micros += hold.amountMicros;
            }
        }
        return new long[] {count, micros};
    }

    /** How many holds there are (an upper bound on the accounts held). */
    int size() {
        return holds.size();
    }

    /** The account key the settler uses for a scrip ({@code chain} false) or a PayWord chain. */
    static String key(boolean chain, String issuer, String account) {
        return (chain ? "payword\n" : "") + issuer + '\n' + account;
    }
}
