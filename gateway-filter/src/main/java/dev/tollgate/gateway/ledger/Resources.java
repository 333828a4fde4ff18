package dev.tollgate.gateway.ledger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The row ids of resource paths ({@code resources} table), cached in a bounded map. A row is inserted only for a
 * charge whose amount is reserved, so a refused request never grows the table. Thread-safe.
 */
final class Resources {

    private final LockedStore store;
    private final Cache<String, Integer> ids;

    Resources(LockedStore store, int capacity) {
        this.store = store;
        this.ids = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
    }

    /**
     * The row id of a resource, inserting its row on first sight. Call it only for a charge whose amount is reserved:
     * a refused request must not grow the table.
     */
    int id(String resource) throws LedgerUnavailableException {
        Integer cached = ids.getIfPresent(resource);
        if (cached != null) {
            return cached;
        }
        return store.withDb("ledger write failed", db -> {
            Integer known = known(db, resource);
            db.commit(); // end the read: a write started from a read fails at once if SQLite is busy
            if (known != null) {
                return known;
            }
            db.insertResource.setString(1, resource);
            db.insertResource.executeUpdate();
            db.selectResource.setString(1, resource);
            Integer id = null;
            try (ResultSet rs = db.selectResource.executeQuery()) {
                if (rs.next()) {
                    id = rs.getInt(1);
                }
            }
            db.commit();
            if (id == null) {
                throw new SQLException("resource row vanished after its insert");
            }
            ids.put(resource, id);
            return id;
        });
    }

    /**
     * The row id of a resource if it has a row, else {@code null}; never inserts (lookups before a charge). Database
     * lock held.
     */
    Integer known(LedgerStore db, String resource) throws SQLException {
        Integer id = ids.getIfPresent(resource);
        if (id == null) {
            db.selectResource.setString(1, resource);
            try (ResultSet rs = db.selectResource.executeQuery()) {
                if (rs.next()) {
                    id = rs.getInt(1);
                    ids.put(resource, id);
                }
            }
        }
        return id;
    }

    /** The row id of a resource if it has a row, else {@code null}; never inserts. Takes the database lock on a miss. */
    Integer lookup(String resource) throws LedgerUnavailableException {
        Integer cached = ids.getIfPresent(resource);
        if (cached != null) {
            return cached;
        }
        return store.withDb("ledger read failed", db -> {
            Integer id = known(db, resource);
            db.commit();
            return id;
        });
    }
}
