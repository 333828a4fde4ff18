package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
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
                SqliteLedger.Tuning.DEFAULTS.withWaitTimeoutMillis(600_000));
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
    void aLockedDatabaseFailsClosedAndTheLedgerRecoversWhenItIsReleased() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount known = scrip("known", 100);
        ScripAccount fresh = scrip("fresh", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.POWER_CUT_SAFE,
                SqliteLedger.Tuning.DEFAULTS.withBusyTimeoutMillis(50))) {
            assertThat(ledger.charge(known, 10, "/x")).isInstanceOf(ChargeResult.Charged.class);

            try (Connection lock = LedgerFixtures.connect(file)) {
                lock.createStatement().execute("BEGIN EXCLUSIVE");

                assertThatThrownBy(() -> ledger.charge(known, 20, "/x"))
                        .isInstanceOf(LedgerUnavailableException.class)
                        .hasMessageContaining("write failed");
                assertThatThrownBy(() -> ledger.charge(fresh, 20, "/x"))
                        .isInstanceOf(LedgerUnavailableException.class);

                lock.createStatement().execute("ROLLBACK");
            }

            assertThat(ledger.remaining(known)).isEqualTo(90);
            assertThat(ledger.remaining(fresh)).isEqualTo(100);
            assertThat(ledger.charge(known, 30, "/x")).isInstanceOfSatisfying(ChargeResult.Charged.class,
                    c -> assertThat(c.remainingMicros()).isEqualTo(60));
            assertThat(ledger.charge(fresh, 100, "/x")).isInstanceOf(ChargeResult.Charged.class);
        }
        assertThat(LedgerFixtures.stored(file, "known").spent()).isEqualTo(40);
        assertThat(LedgerFixtures.netCharged(file, "known")).isEqualTo(40);
        assertThat(LedgerFixtures.stored(file, "fresh").spent()).isEqualTo(100);
        assertThat(LedgerFixtures.charges(file)).hasSize(3);
    }

    @Test
    void aTotalChangedBehindTheLedgersBackFailsClosedAndIsReloaded() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount scrip = scrip("moved", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            ledger.charge(scrip, 10, "/x");
            try (Connection other = LedgerFixtures.connect(file)) {
                other.createStatement().execute("UPDATE scrip SET spent = 90 WHERE jti = 'moved'");
            }

            assertThatThrownBy(() -> ledger.charge(scrip, 5, "/x")).isInstanceOf(LedgerUnavailableException.class);

            assertThat(ledger.remaining(scrip)).isEqualTo(10);
            assertThat(ledger.charge(scrip, 5, "/x")).isInstanceOfSatisfying(ChargeResult.Charged.class,
                    c -> assertThat(c.remainingMicros()).isEqualTo(5));
            assertThat(ledger.charge(scrip, 6, "/x")).isEqualTo(new ChargeResult.Insufficient(5));
        }
        assertThat(LedgerFixtures.stored(file, "moved").spent()).isEqualTo(95);
    }

    @Test
    void aCallerStuckBehindALockGivesUpAfterTheWaitTimeoutAndTheLedgerStaysConsistent() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount scrip = scrip("slow", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.POWER_CUT_SAFE,
                SqliteLedger.Tuning.DEFAULTS.withWaitTimeoutMillis(300).withBusyTimeoutMillis(20_000))) {
            ledger.charge(scrip, 10, "/x");
            try (Connection lock = LedgerFixtures.connect(file)) {
                lock.createStatement().execute("BEGIN EXCLUSIVE");

                assertThatThrownBy(() -> ledger.charge(scrip, 20, "/x"))
                        .isInstanceOf(LedgerUnavailableException.class)
                        .hasMessageContaining("outcome is unknown");

                lock.createStatement().execute("ROLLBACK");
            }
            long remaining = remainingWithin(ledger, scrip, Duration.ofSeconds(30));

            LedgerFixtures.StoredScrip stored = LedgerFixtures.stored(file, "slow");
            assertThat(remaining).isEqualTo(stored.budget() - stored.spent());
            assertThat(LedgerFixtures.netCharged(file, "slow")).isEqualTo(stored.spent());
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
