package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SqliteLedgerFailureTest {

    @TempDir
    Path dir;

    @Test
    void aClosedLedgerRefusesEveryOperationPromptly() throws Exception {
        // A wait timeout far beyond the test's bound: refusing must not mean waiting for it.
        SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.POWER_CUT_SAFE,
                LedgerTuning.DEFAULTS.withWaitTimeoutMillis(600_000));
        ledger.charge(scrip("a", 10), 1, "/x");
        ledger.close();
        ledger.close();

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> ledger.charge(scrip("a", 10), 1, "/x"))
                    .isInstanceOf(LedgerUnavailableException.class);
            assertThatThrownBy(() -> ledger.remaining(scrip("a", 10))).isInstanceOf(LedgerUnavailableException.class);
            assertThatThrownBy(() -> ledger.refund("r-1")).isInstanceOf(LedgerUnavailableException.class);
            assertThatThrownBy(() -> ledger.unsettled(1)).isInstanceOf(LedgerUnavailableException.class);
            assertThatThrownBy(() -> ledger.markSettled(ISSUER, "a", 1))
                    .isInstanceOf(LedgerUnavailableException.class);
        });
    }

    @Test
    void aLockedDatabaseFailsFirstChargesClosedButKnownScripKeepChargingAndNothingIsLost() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount known = scrip("known", 100);
        ScripAccount fresh = scrip("fresh", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.POWER_CUT_SAFE,
                LedgerTuning.DEFAULTS.withBusyTimeoutMillis(50).withMaterializeIntervalMillis(20))) {
            assertThat(ledger.charge(known, 10, "/x")).isInstanceOf(ChargeResult.Charged.class);

            try (Connection lock = LedgerFixtures.connect(file)) {
                lock.createStatement().execute("BEGIN EXCLUSIVE");

                // A known scrip is charged in the journal alone; the materializer fails and retries meanwhile.
                assertThat(ledger.charge(known, 20, "/x")).isInstanceOf(ChargeResult.Charged.class);
                // A first charge must insert the scrip row first: that fails closed.
                assertThatThrownBy(() -> ledger.charge(fresh, 20, "/x"))
                        .isInstanceOf(LedgerUnavailableException.class)
                        .hasMessageContaining("write failed");
                assertThatThrownBy(() -> ledger.unsettled(10)).isInstanceOf(LedgerUnavailableException.class);

                lock.createStatement().execute("ROLLBACK");
            }

            assertThat(ledger.remaining(known)).isEqualTo(70);
            assertThat(ledger.remaining(fresh)).isEqualTo(100);
            assertThat(ledger.charge(known, 30, "/x")).isInstanceOfSatisfying(ChargeResult.Charged.class,
                    c -> assertThat(c.remainingMicros()).isEqualTo(40));
            assertThat(ledger.charge(fresh, 100, "/x")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "known", 60, 0),
                    new ScripTotal(ISSUER, "fresh", 100, 0));
        }
        assertThat(LedgerFixtures.stored(file, "known").spent()).isEqualTo(60);
        assertThat(LedgerFixtures.netCharged(file, "known")).isEqualTo(60);
        assertThat(LedgerFixtures.stored(file, "fresh").spent()).isEqualTo(100);
        assertThat(LedgerFixtures.charges(file)).hasSize(4);
    }

    @Test
    void aSecondLedgerOnTheSameFileIsRefusedUntilTheFirstIsClosed() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            ledger.charge(scrip("one", 100), 10, "/x");

            assertThatThrownBy(() -> SqliteLedger.open(file))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open");
            assertThat(ledger.remaining(scrip("one", 100))).isEqualTo(90);
        }
        try (SqliteLedger again = SqliteLedger.open(file)) {
            assertThat(again.remaining(scrip("one", 100))).isEqualTo(90);
        }
    }

    @Test
    void aCallerStuckBehindALockedDatabaseGivesUpAfterTheWaitTimeoutAndTheLedgerStaysConsistent() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount first = scrip("slow-1", 100);
        ScripAccount second = scrip("slow-2", 100);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.POWER_CUT_SAFE,
                LedgerTuning.DEFAULTS.withWaitTimeoutMillis(300).withBusyTimeoutMillis(20_000))) {
            ledger.charge(scrip("warm", 100), 1, "/x");
            Future<ChargeResult> blocked;
            try (Connection lock = LedgerFixtures.connect(file)) {
                lock.createStatement().execute("BEGIN EXCLUSIVE");
                // This first charge holds the database lock while SQLite waits out its busy timeout.
                blocked = pool.submit(() -> ledger.charge(first, 20, "/x"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                Throwable refused = null;
                while (refused == null && System.nanoTime() < deadline) {
                    try {
                        // Reads pass an exclusive lock in WAL mode: this answers until the charge holds the ledger.
                        assertThat(ledger.remaining(second)).isEqualTo(100);
                    } catch (LedgerUnavailableException e) {
                        refused = e;
                    }
                }
                assertThat(refused).isInstanceOf(LedgerUnavailableException.class)
                        .hasMessageContaining("stayed busy");

                lock.createStatement().execute("ROLLBACK");
            }
            assertThat(blocked.get(30, TimeUnit.SECONDS)).isInstanceOf(ChargeResult.Charged.class);
            assertThat(remainingWithin(ledger, first, Duration.ofSeconds(30))).isEqualTo(80);
            assertThat(ledger.unsettled(10)).contains(new ScripTotal(ISSUER, "slow-1", 20, 0));
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.stored(file, "slow-1").spent()).isEqualTo(20);
        assertThat(LedgerFixtures.netCharged(file, "slow-1")).isEqualTo(20);
        assertThat(LedgerFixtures.stored(file, "slow-2")).isNull();
    }

    @Test
    void aJournalRolloverThatCannotCreateItsSegmentFailsClosedUntilItCanAndLosesNothing() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount scrip = scrip("roll", 1_000);
        LedgerTuning tiny = LedgerTuning.DEFAULTS.withSegmentBytes(4096) // 64 slots
                .withMaterializeIntervalMillis(600_000).withMaterializeBatch(1 << 30);
        // Deterministic I/O failure even as root: a directory where segment 1 must be created.
        Files.createDirectories(dir.resolve("ledger.db.journal-1"));
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE, tiny)) {
            ledger.charge(scrip, 1, "/x"); // slots from 0
            for (int i = 1; i < 64; i++) {
                assertThat(ledger.charge(scrip, 1, "/x")).isInstanceOf(ChargeResult.Charged.class);
            }

            assertThatThrownBy(() -> ledger.charge(scrip, 1, "/x"))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("ledger.db.journal-1");
            assertThatThrownBy(() -> ledger.charge(scrip, 1, "/x")).isInstanceOf(LedgerUnavailableException.class);
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000 - 64);

            // The obstacle goes: the next attempt creates the segment, without reopening the ledger.
            Files.delete(dir.resolve("ledger.db.journal-1"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    assertThat(ledger.charge(scrip, 1, "/x")).isInstanceOf(ChargeResult.Charged.class);
                    break;
                } catch (LedgerUnavailableException e) {
                    assertThat(System.nanoTime()).as("still refused: " + e.getMessage()).isLessThan(deadline);
                }
            }
            for (int i = 0; i < 99; i++) {
                assertThat(ledger.charge(scrip, 1, "/x")).isInstanceOf(ChargeResult.Charged.class);
            }
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "roll", 164, 0));
        }
        assertThat(LedgerFixtures.stored(file, "roll").spent()).isEqualTo(164);
        assertThat(LedgerFixtures.charges(file)).hasSize(164);
        try (SqliteLedger reopened = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE, tiny)) {
            assertThat(reopened.remaining(scrip)).isEqualTo(1_000 - 164);
        }
    }

    /** Polls {@link Ledger#remaining} until the ledger answers again. */
    private static long remainingWithin(Ledger ledger, ScripAccount scrip, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                return ledger.remaining(scrip);
            } catch (LedgerUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }
}
