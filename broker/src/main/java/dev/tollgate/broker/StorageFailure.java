package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * How the API answers a database failure. Every write is one transaction that is rolled back when it fails, so the
 * answer can always say that nothing changed. Storage that is busy (another connection holds the write lock past the
 * busy timeout) or unavailable (I/O error, disk full, read-only) is a {@code 503 storage_unavailable} with
 * {@code Retry-After}: the same request may succeed later. Anything else (a broken invariant, a constraint) is a
 * {@code 500 internal_error}.
 */
final class StorageFailure {

    /** What {@code Retry-After} tells a caller refused with 503. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    /** SQLite primary result codes of a failure that may pass: BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL. */
    private static final Set<Integer> TRANSIENT = Set.of(5, 6, 7, 8, 10, 13, 14, 15);

    private StorageFailure() {
    }

    /** The answer to a request that failed with {@code e}. */
    static ApiException answer(SQLException e) {
        if (isTransient(e)) {
            return new ApiException(503, "storage_unavailable", "the broker's database is busy or unavailable;"
                    + " nothing was changed. Retry in a moment.");
        }
        return new ApiException(500, "internal_error", "the broker could not complete the request; nothing was"
                + " changed");
    }

    /** Whether {@code e}, or an SQLException it wraps, is a busy or unavailable database. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && TRANSIENT.contains(sql.getErrorCode())) {
                return true;
            }
        }
        return false;
    }
}
