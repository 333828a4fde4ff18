package dev.tollgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code served} table, which grows with every replay a buyer sends: its rows are those of the replays of the
 * last {@link PaymentIds#WINDOW_MILLIS} plus at most {@link PaymentIds#SERVED_PURGE_MILLIS}, and a replay deletes the
 * older ones at most once per {@code SERVED_PURGE_MILLIS} rather than scanning the table each time. A real SQLite file.
 */
final class ServedRowsBoundTest {

    @TempDir
    Path dir;

    private static long rows(LedgerStore db) throws SQLException {
        try (Statement st = db.connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM served")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void servedRowsAreThoseOfTheWindowPlusAtMostOnePurgeInterval() throws Exception {
        try (LedgerStore db = LedgerStore.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE,
                1_000, 64)) {
            long start = 1_000_000_000L;
            long step = 1_000; // a replay of another charge every second, for 30 minutes
            long bound = (PaymentIds.WINDOW_MILLIS + PaymentIds.SERVED_PURGE_MILLIS) / step;
            long largest = 0;
            for (int i = 0; i < 1_800; i++) {
                PaymentIds.recordServed(db, i, start + i * step);
                long kept = rows(db);
                largest = Math.max(largest, kept);
                assertThat(kept).as("rows after replay %d", i).isLessThanOrEqualTo(bound);
            }
            assertThat(largest).as("the rows kept reach the window, then stop growing")
                    .isGreaterThan(PaymentIds.WINDOW_MILLIS / step);
        }
    }
}
