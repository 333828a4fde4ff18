package dev.tollgate.broker;

import java.time.Duration;

/** The limits the broker enforces on deposits and scrip. Constants only. */
final class ScripRules {

    /** Shortest scrip lifetime a buyer may ask for. */
    static final Duration MIN_TTL = Duration.ofSeconds(60);
    /** Longest scrip lifetime; also how long a retired signing key stays published (see {@link KeyRing}). */
    static final Duration MAX_TTL = Duration.ofHours(24);
    /** Lifetime of scrip whose request names none. */
    static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** Largest budget of one scrip: 100 currency units. Scrip is for small payments. */
    static final long MAX_BUDGET_MICROS = 100_000_000L;
    /** Deposit of a demo account whose request names none: 5 currency units. */
    static final long DEFAULT_DEMO_DEPOSIT_MICROS = 5_000_000L;
    /** Largest deposit of a demo account: 100 currency units. */
    static final long MAX_DEMO_DEPOSIT_MICROS = 100_000_000L;

    private ScripRules() {
    }
}
