package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.NO_BACKGROUND_FOLD;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * POWER_CUT_SAFE's group commit: records reach their journal file (written through and synced by the group's
 * leader) before a charge returns, concurrent writers share a sync, and a failed sync fails the charge closed. No
 * background fold ({@code NO_BACKGROUND_FOLD}): the journal files keep every record a test looks for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SqliteLedgerGroupCommitTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    private SqliteLedger open() {
        return SqliteLedger.open(file(), SqliteLedger.Durability.POWER_CUT_SAFE, NO_BACKGROUND_FOLD);
    }

    @Test
    void everyAcknowledgedChargeIsInItsJournalFileAsAFreshReaderSeesIt() throws Exception {
        try (SqliteLedger ledger = open()) {
            ledger.charge(scrip("a", 1_000), 1, "/x"); // the scrip's row is committed; the rest are plain charges
            for (int amount = 2; amount <= 6; amount++) {
                long seq = ledger.journalMark();
                assertThat(ledger.charge(scrip("a", 1_000), amount, "/x")).isInstanceOf(ChargeResult.Charged.class);

                JournalRecord record = readFromDisk(seq);
                assertThat(record).isNotNull();
                assertThat(record.amount()).isEqualTo(amount);
            }
        }
    }

    @Test
    void aCopyOfTheFilesTakenRightAfterTheChargesRecoversThemAll() throws Exception {
        Path copy = Files.createDirectories(dir.resolve("copy"));
        try (SqliteLedger ledger = open()) {
            for (int i = 1; i <= 20; i++) {
                assertThat(ledger.charge(scrip("b", 1_000), i, "/x")).isInstanceOf(ChargeResult.Charged.class);
            }
            // What is in the files now is what a power cut keeps (nothing is folded in: no background fold). Not the
            // lock file, nor SQLite's shared-memory index (rebuilt from the WAL).
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && !name.endsWith(".lock") && !name.endsWith("-shm")) {
                        Files.copy(p, copy.resolve(p.getFileName()));
                    }
                }
            }
        }
        try (SqliteLedger recovered = SqliteLedger.open(copy.resolve("ledger.db"),
                SqliteLedger.Durability.POWER_CUT_SAFE)) {
            assertThat(recovered.remaining(scrip("b", 1_000))).isEqualTo(1_000 - 210);
        }
        assertThat(LedgerFixtures.charges(copy.resolve("ledger.db"))).hasSize(20);
    }

    @Test
    void concurrentWritersShareTheirLeadersSync() throws Exception {
        int followers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(followers + 1);
        try (SqliteLedger ledger = open()) {
            ledger.charge(scrip("c", 1_000_000), 1, "/x");
            long first = ledger.journalMark();
            long syncsBefore = ledger.journalSyncs();
            CountDownLatch leaderSyncing = new CountDownLatch(1);
            AtomicBoolean held = new AtomicBoolean();
            // The first sync (the leader's, covering its own record) waits until every follower's record is published:
            // they are then all waiting for a sync, as writers arriving during a slow fdatasync are.
            ledger.beforeJournalWrite(() -> {
                if (held.compareAndSet(false, true)) {
                    leaderSyncing.countDown();
                    awaitPublished(ledger, first, first + 1 + followers);
                }
            });
            List<Future<ChargeResult>> charges = new ArrayList<>();
            charges.add(pool.submit(() -> ledger.charge(scrip("c", 1_000_000), 1, "/x")));
            assertThat(leaderSyncing.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < followers; i++) {
                charges.add(pool.submit(() -> ledger.charge(scrip("c", 1_000_000), 1, "/x")));
            }
            for (Future<ChargeResult> charge : charges) {
                assertThat(charge.get(30, TimeUnit.SECONDS)).isInstanceOf(ChargeResult.Charged.class);
            }

            // The leader's own sync, then one that covers all the followers.
            assertThat(ledger.journalSyncs() - syncsBefore).isEqualTo(2);
            for (long seq = first; seq <= first + followers; seq++) {
                assertThat(readFromDisk(seq)).isNotNull();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedSyncFailsTheChargeClosedAndKeepsItsBudgetReserved() throws Exception {
        try (SqliteLedger ledger = open()) {
            ledger.charge(scrip("d", 100), 10, "/x");
            AtomicBoolean failed = new AtomicBoolean();
            ledger.beforeJournalWrite(() -> {
                if (failed.compareAndSet(false, true)) {
                    throw new UncheckedIOException(new IOException("injected: EIO on fdatasync"));
                }
            });

            assertThatThrownBy(() -> ledger.charge(scrip("d", 100), 20, "/x"))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("outcome is unknown");
            // Outcome unknown: the buyer may have paid for it (its record may survive), so its budget stays spent.
            assertThat(ledger.remaining(scrip("d", 100))).isEqualTo(70);
            // The next sync works, and writes the record the failed one did not.
            long seq = ledger.journalMark();
            assertThat(ledger.charge(scrip("d", 100), 30, "/x")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(readFromDisk(seq - 1)).isNotNull();
            assertThat(readFromDisk(seq)).isNotNull();
        }
    }

    @Test
    void aSyncOvertakenByACloseThatCouldNotFoldTheJournalInFailsTheCharge() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.POWER_CUT_SAFE,
                NO_BACKGROUND_FOLD.withBusyTimeoutMillis(50).withWaitTimeoutMillis(500));
             Connection lock = LedgerFixtures.connect(file())) {
            ledger.charge(scrip("e", 100), 10, "/x");
            lock.createStatement().execute("BEGIN EXCLUSIVE"); // close cannot fold the journal in
            ledger.beforeJournalWrite(ledger::close); // the record is in memory only when close drops the journal

            assertThatThrownBy(() -> ledger.charge(scrip("e", 100), 20, "/x"))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("outcome is unknown");
            lock.createStatement().execute("ROLLBACK");
        }
        try (SqliteLedger reopened = SqliteLedger.open(file(), SqliteLedger.Durability.POWER_CUT_SAFE)) {
            assertThat(reopened.remaining(scrip("e", 100))).isEqualTo(90); // never written: not charged
        }
    }

    @Test
    void aRequestThreadWithAPendingInterruptLeadsASyncWithoutClosingTheJournalForOthers() throws Exception {
        try (SqliteLedger ledger = open()) {
            ledger.charge(scrip("f", 100), 1, "/x");
            long seq = ledger.journalMark();
            Thread.currentThread().interrupt(); // e.g. a request timed out: a FileChannel would close on it
            try {
                assertThat(ledger.charge(scrip("f", 100), 2, "/x")).isInstanceOf(ChargeResult.Charged.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue(); // kept for its owner
            } finally {
                Thread.interrupted();
            }
            assertThat(ledger.charge(scrip("f", 100), 3, "/x")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(readFromDisk(seq).amount()).isEqualTo(2);
            assertThat(readFromDisk(seq + 1).amount()).isEqualTo(3);
        }
    }

    /** Polls (with a deadline) until slots {@code [from, upTo)} are all published. */
    private static void awaitPublished(SqliteLedger ledger, long from, long upTo) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (long seq = from; seq < upTo; seq++) {
            while (ledger.journalMark() <= seq || !ledger.journalSettled(seq)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("journal slot " + seq + " was never published");
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Slot {@code seq} as a fresh reader of its journal file sees it, or {@code null} if it holds no valid record. */
    private JournalRecord readFromDisk(long seq) throws Exception {
        int slots = LedgerTuning.DEFAULTS.segmentBytes() / JournalRecord.SLOT;
        Path segment = JournalSegment.path(file(), seq / slots);
        ByteBuffer slot = ByteBuffer.allocate(JournalRecord.SLOT);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            channel.read(slot, (seq % slots) * JournalRecord.SLOT);
        }
        byte[] bytes = slot.array();
        return JournalRecord.magic(bytes, 0) == JournalRecord.MAGIC_VALID ? JournalRecord.decode(bytes, 0, seq) : null;
    }
}
