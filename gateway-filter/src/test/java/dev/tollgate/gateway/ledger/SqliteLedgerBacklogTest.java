package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal cannot outgrow the fold into SQLite: while the fold is stalled, charges are refused once the backlog
 * is full, and no segment is created that would eat into the disk reserve; both recover by themselves once the fold
 * catches up or there is room again, and nothing acknowledged is lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class SqliteLedgerBacklogTest {

    private static final int SEGMENT_BYTES = 4096; // 64 slots
    private static final int BACKLOG = 256; // records: four segments

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    /** Charges until the ledger succeeds again, or fails the test at the deadline. */
    private static ChargeResult.Charged chargeWithin(SqliteLedger ledger, ScripAccount scrip, Duration limit)
            throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                return (ChargeResult.Charged) ledger.charge(scrip, 1, "/x");
            } catch (LedgerUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aStalledFoldStopsChargesAtTheBacklogBoundAndTheyResumeOnceItCatchesUp() throws Exception {
        ScripAccount scrip = scrip("busy", 1_000_000);
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withSegmentBytes(SEGMENT_BYTES)
                .withMaterializeIntervalMillis(20).withBusyTimeoutMillis(20).withBacklog(BACKLOG, 50, 0);
        List<String> receipts = new ArrayList<>();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            receipts.add(((ChargeResult.Charged) ledger.charge(scrip, 1, "/x")).receiptId());
            ledger.unsettled(0); // folded in: the backlog is empty
            try (Connection lock = LedgerFixtures.connect(file())) {
                lock.createStatement().execute("BEGIN EXCLUSIVE"); // every fold now fails and is retried

                LedgerUnavailableException refused = null;
                for (int i = 0; i < 10 * BACKLOG && refused == null; i++) {
                    try {
                        receipts.add(((ChargeResult.Charged) ledger.charge(scrip, 1, "/x")).receiptId());
                    } catch (LedgerUnavailableException e) {
                        refused = e;
                    }
                }

                assertThat(refused).hasMessageContaining("not yet folded");
                assertThat(receipts).hasSize(1 + BACKLOG);
                assertThat(JournalSegment.list(file()).size()).isLessThanOrEqualTo(BACKLOG * 64 / SEGMENT_BYTES + 2);
                assertThatThrownBy(() -> ledger.charge(scrip, 1, "/x")).isInstanceOf(LedgerUnavailableException.class);
                // A refund still returns the money: it is not held back by the backlog.
                assertThat(ledger.refund(receipts.get(1))).isTrue();
                assertThat(ledger.remaining(scrip)).isEqualTo(1_000_000 - BACKLOG);

                lock.createStatement().execute("ROLLBACK");
            }

            receipts.add(chargeWithin(ledger, scrip, Duration.ofSeconds(30)).receiptId());
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "busy", BACKLOG + 1, 0));
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(receipts.size());
        assertThat(LedgerFixtures.stored(file(), "busy").spent()).isEqualTo(BACKLOG + 1)
                .isEqualTo(LedgerFixtures.netCharged(file(), "busy"));
    }

    @Test
    void aWriterStalledBeforeItsSegmentExistsDoesNotHoldTheFoldBackAndFailsWhenItResumes() throws Exception {
        ScripAccount scrip = scrip("stall", 1_000);
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withSegmentBytes(SEGMENT_BYTES)
                .withMaterializeIntervalMillis(600_000).withMaterializeBatch(1 << 30).withAbandonMillis(1);
        LedgerFixtures.Stall stall = null;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            for (int i = 0; i < 64; i++) {
                ledger.charge(scrip, 1, "/s"); // slots 0..63: segment 0
            }
            // The writer of slot 64 stalls after its reservation, before segment 1 exists (a thread that died there).
            stall = LedgerFixtures.Stall.atSlot(ledger, 64);
            Future<ChargeResult> stalled = pool.submit(() -> ledger.charge(scrip, 1, "/s"));
            stall.awaitReserved(ledger);

            // Passes until slot 64 is old enough to be given up: the checkpoint then moves past it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (checkpoint() <= 64) {
                assertThat(System.nanoTime()).as("the fold waits for the stalled writer").isLessThan(deadline);
                ledger.unsettled(1);
            }

            stall.resume();
            assertThatThrownBy(() -> stalled.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(LedgerUnavailableException.class);
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000 - 64); // the failed charge was undone
            assertThat(ledger.charge(scrip, 1, "/s")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "stall", 65, 0));
        } finally {
            if (stall != null) {
                stall.resume();
            }
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(65);
    }

    private long checkpoint() throws Exception {
        try (Connection c = LedgerFixtures.connect(file());
             java.sql.ResultSet rs = c.createStatement().executeQuery(
                     "SELECT value FROM meta WHERE key = 'checkpoint'")) {
            return rs.getLong(1);
        }
    }

    @Test
    void noSegmentIsCreatedThatWouldEatTheDiskReserveAndChargesResumeOnceThereIsRoom() throws Exception {
        ScripAccount scrip = scrip("full", 1_000_000);
        long reserve = 1 << 20;
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withSegmentBytes(SEGMENT_BYTES)
                .withMaterializeIntervalMillis(600_000).withMaterializeBatch(1 << 30)
                .withBacklog(1 << 20, 50, reserve);
        AtomicLong usable = new AtomicLong(1L << 30);
        int charged = 0;
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            ledger.usableSpace(usable::get);
            ledger.charge(scrip, 1, "/x"); // segment 0, slot 0
            charged++;
            usable.set(reserve + SEGMENT_BYTES - 1); // one byte short of room for a segment and the reserve
            for (int i = 1; i < 64; i++) {
                assertThat(ledger.charge(scrip, 1, "/x")).isInstanceOf(ChargeResult.Charged.class);
                charged++;
            }

            assertThatThrownBy(() -> ledger.charge(scrip, 1, "/x")) // slot 64 needs segment 1
                    .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("reserve");
            long mark = ledger.journalMark();
            for (int i = 0; i < 100; i++) {
                assertThatThrownBy(() -> ledger.charge(scrip, 1, "/x"))
                        .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("cannot grow");
            }
            assertThat(ledger.journalMark()).as("refused before taking a slot").isEqualTo(mark);
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000_000 - charged);

            usable.set(reserve + SEGMENT_BYTES);
            chargeWithin(ledger, scrip, Duration.ofSeconds(30));
            charged++;
            for (int i = 0; i < 100; i++) {
                assertThat(ledger.charge(scrip, 1, "/x")).isInstanceOf(ChargeResult.Charged.class);
                charged++;
            }
            // The slot given up in the missing segment does not hold the fold back.
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "full", charged, 0));
        }
        assertThat(LedgerFixtures.stored(file(), "full").spent()).isEqualTo(charged);
        assertThat(LedgerFixtures.charges(file())).hasSize(charged);
    }
}
