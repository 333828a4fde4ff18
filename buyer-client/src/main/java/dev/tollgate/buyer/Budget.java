package dev.tollgate.buyer;

import dev.tollgate.buyer.LimitExceededException.Limit;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The spending of one client against its {@link SpendingLimits}: what was spent and what requests in flight have
 * reserved, in all, per seller and within the time window. A request reserves its most before it pays and settles
 * what it really cost when the receipt comes, so concurrent requests can never together pass a limit.
 *
 * <p>Bounded: at most {@link #MAX_SELLERS} sellers paid or with a request in flight, and 61 window buckets. Thread-safe (one monitor); it calls no
 * other class while holding it.
 */
final class Budget {

    /** The most sellers whose totals one client keeps. */
    static final int MAX_SELLERS = 10_000;

    private static final int BUCKETS = 60;
    private static final int RING = BUCKETS + 1; // the window's buckets and the one its start falls in

    private final SpendingLimits limits;
    private final Clock clock;
    private final Map<String, long[]> bySeller = new HashMap<>(); // seller -> {spent, reserved}
    private final long[] bucketSums = new long[RING];
    private final long[] bucketIndex = new long[RING];
    private final long bucketMillis;
    private long spent;
    private long reserved;

    Budget(SpendingLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.bucketMillis = Math.max(1, limits.window().toMillis() / BUCKETS);
    }

    /** Money held for one request until it settles. */
    static final class Reservation {
        final String seller;
        final long micros;
        private boolean settled;

        private Reservation(String seller, long micros) {
            this.seller = seller;
            this.micros = micros;
        }
    }

    /**
     * Reserves {@code micros} for a request to {@code seller} whose price is {@code priceMicros} (the per-request
     * limit is checked against the price; the others against what is reserved, which for PayWord is the words the
     * request reveals).
     */
    synchronized Reservation reserve(String seller, long priceMicros, long micros) throws LimitExceededException {
        check(Limit.PER_REQUEST, seller, priceMicros, limits.maxPerRequest());
        long[] s = bySeller.get(seller);
        if (s == null && bySeller.size() >= MAX_SELLERS) {
            throw new LimitExceededException(Limit.SELLERS, seller, micros, 0, limits.currency());
        }
        long sellerUsed = s == null ? 0 : s[0] + s[1];
        check(Limit.PER_SELLER, seller, micros, limits.maxPerSeller() - sellerUsed);
        check(Limit.TOTAL, seller, micros, limits.maxTotal() - spent - reserved);
        check(Limit.PER_WINDOW, seller, micros, limits.maxPerWindow() - windowSum() - reserved);
        bySeller.computeIfAbsent(seller, k -> new long[2])[1] += micros;
        reserved += micros;
        return new Reservation(seller, micros);
    }

    /** Ends a reservation: the request cost {@code actualMicros} (0 if it was not charged). */
    synchronized void settle(Reservation r, long actualMicros) {
        if (r.settled) {
            return;
        }
        r.settled = true;
        long[] s = bySeller.get(r.seller);
        s[1] -= r.micros;
        reserved -= r.micros;
        spend(s, actualMicros);
        if (s[0] == 0 && s[1] == 0) {
            bySeller.remove(r.seller); // never paid: a seller any 402 can name must not use up MAX_SELLERS
        }
    }

    /** Records {@code micros} spent outside any reservation (a charge a receipt revealed after the fact). */
    synchronized void spentUnreserved(String seller, long micros) {
        if (micros <= 0) {
            return;
        }
        spend(bySeller.computeIfAbsent(seller, k -> new long[2]), micros);
    }

    /** What a new reservation for {@code seller} could take at most now, the per-request limit aside. */
    synchronized long headroom(String seller) {
        long[] s = bySeller.get(seller);
        long sellerUsed = s == null ? 0 : s[0] + s[1];
        long left = Math.min(limits.maxPerSeller() - sellerUsed, limits.maxTotal() - spent - reserved);
        return Math.max(0, Math.min(left, limits.maxPerWindow() - windowSum() - reserved));
    }

    /**
     * What new scrip for a request to {@code seller}, whose price is reserved, may hold beyond that price once the
     * scrip this client bought before counts with its unspent budget ({@code sellerUnspent} of it at this seller,
     * {@code allUnspent} in all): a seller can claim all of a scrip at the broker, whatever its receipts say.
     *
     * @throws LimitExceededException if that unspent budget leaves no room for the request's price
     */
    synchronized long scripRoom(String seller, long priceMicros, long sellerUnspent, long allUnspent)
            throws LimitExceededException {
        long[] s = bySeller.get(seller);
        long sellerUsed = s == null ? 0 : s[0] + s[1];
        long room = fit(Limit.PER_SELLER, seller, priceMicros, limits.maxPerSeller() - sellerUsed - sellerUnspent,
                Long.MAX_VALUE);
        room = fit(Limit.TOTAL, seller, priceMicros, limits.maxTotal() - spent - reserved - allUnspent, room);
        return fit(Limit.PER_WINDOW, seller, priceMicros, limits.maxPerWindow() - windowSum() - reserved - allUnspent,
                room);
    }

    private long fit(Limit limit, String seller, long priceMicros, long left, long room)
            throws LimitExceededException {
        if (left < 0) { // left counts the reserved price: what the limit has for the request is left + price
            throw new LimitExceededException(limit, seller, priceMicros, left + priceMicros, limits.currency());
        }
        return Math.min(room, left);
    }

    /** What this client has spent since it was built. */
    synchronized long spent() {
        return spent;
    }

    SpendingLimits limits() {
        return limits;
    }

    private void spend(long[] seller, long micros) {
        if (micros <= 0) {
            return;
        }
        seller[0] += micros;
        spent += micros;
        long now = clock.millis() / bucketMillis;
        int slot = (int) (now % RING);
        if (bucketIndex[slot] != now) {
            bucketIndex[slot] = now;
            bucketSums[slot] = 0;
        }
        bucketSums[slot] += micros;
    }

    /** The window's spending, counting the bucket the window's start falls in whole (never less than the truth). */
    private long windowSum() {
        long now = clock.millis() / bucketMillis;
        long sum = 0;
        for (int i = 0; i < RING; i++) {
            if (now - bucketIndex[i] <= BUCKETS) {
                sum += bucketSums[i];
            }
        }
        return sum;
    }

    private void check(Limit limit, String seller, long micros, long left) throws LimitExceededException {
        if (micros > left) {
            throw new LimitExceededException(limit, seller, micros, left, limits.currency());
        }
    }
}
