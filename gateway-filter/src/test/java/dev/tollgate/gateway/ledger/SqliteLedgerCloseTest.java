package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Ledger#closeUnused}: scrip never seen here becomes unchargeable for good, atomically with charges. */
final class SqliteLedgerCloseTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    @Test
    void unknownScripIsClosedForGoodAcrossARestart() throws Exception {
        ScripAccount scrip = scrip("closed", 1_000_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.closeUnused(scrip)).isTrue();
            assertThat(ledger.charge(scrip, 1, "/a")).isEqualTo(new ChargeResult.Insufficient(0));
            assertThat(ledger.closeUnused(scrip)).as("closed already: known").isFalse();
        }
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.charge(scrip, 1, "/a")).isEqualTo(new ChargeResult.Insufficient(0));
            assertThat(ledger.unsettled(10)).isEmpty();
        }
        assertThat(LedgerFixtures.stored(file(), "closed")).isEqualTo(new LedgerFixtures.StoredScrip(0, 0, 0));
    }

    @Test
    void scripChargedHereIsLeftAsItIsAndScripOnlyRefusedMayBeClosed() throws Exception {
        ScripAccount charged = scrip("charged", 1_000);
        ScripAccount refused = scrip("refused", 10);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(charged, 300, "/a");
            assertThat(ledger.charge(refused, 50, "/a")).isInstanceOf(ChargeResult.Insufficient.class);

            assertThat(ledger.closeUnused(charged)).isFalse();
            assertThat(ledger.remaining(charged)).isEqualTo(700);
            assertThat(ledger.charge(charged, 700, "/b")).isInstanceOf(ChargeResult.Charged.class);
            // A refused charge recorded nothing (so that refusals cannot grow the ledger): closing it loses no charge.
            assertThat(ledger.closeUnused(refused)).isTrue();
            assertThat(ledger.charge(refused, 5, "/a")).isEqualTo(new ChargeResult.Insufficient(0));
        }
    }

    @Test
    void aCloseRacingChargesEitherClosesBeforeAnyOrChangesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            for (int round = 0; round < 50; round++) {
                ScripAccount scrip = scrip("race-" + round, 1_000);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ChargeResult>> charges = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    charges.add(pool.submit(() -> {
                        go.await();
                        return ledger.charge(scrip, 100, "/a");
                    }));
                }
                Future<Boolean> close = pool.submit(() -> {
                    go.await();
                    return ledger.closeUnused(scrip);
                });
                go.countDown();
                long charged = 0;
                for (Future<ChargeResult> charge : charges) {
                    charged += charge.get() instanceof ChargeResult.Charged c ? c.amountMicros() : 0;
                }
                if (close.get()) {
                    assertThat(charged).as("round %d: closed, so nothing charged", round).isZero();
                } else {
                    assertThat(charged).as("round %d: not closed, so the charges stand", round).isEqualTo(300);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
