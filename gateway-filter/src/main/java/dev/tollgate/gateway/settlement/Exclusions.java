package dev.tollgate.gateway.settlement;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What settlement remembers in memory until the process restarts (a restart tries everything once more): the scrip
 * and chains left out of batches (by {@link RefundHolds#key}: claims the broker refuses for good, scrip or chains
 * from another issuer, and claims the broker will not credit further), and the warnings already logged once.
 * Thread-safe.
 */
final class Exclusions {

    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

    /** Keys ({@link RefundHolds#key}) of scrip and chains left out of batches until restart. */
    private final Set<String> excluded = ConcurrentHashMap.newKeySet();
    /** Warnings already logged, by what they are about. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Leaves {@code id} out of later batches; logs {@code why} the first time. */
    void exclude(String id, String why) {
        if (excluded.add(id)) {
            LOG.warn("{}; left out of settlement until the gateway restarts", why);
        }
    }

    boolean contains(String id) {
        return excluded.contains(id);
    }

    /** How many scrip and chains are left out. */
    int size() {
        return excluded.size();
    }

    /** {@code true} the first time only: whether a warning about {@code about} is still to be logged. */
    boolean firstWarning(String about) {
        return warned.add(about);
    }
}
