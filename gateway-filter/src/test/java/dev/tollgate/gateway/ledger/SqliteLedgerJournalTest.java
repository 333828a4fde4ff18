package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The journal: recovery, rollover, folding in, refunds racing, eviction. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class SqliteLedgerJournalTest {

    private static final LedgerTuning NO_BACKGROUND = LedgerFixtures.NO_BACKGROUND_FOLD;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    @Test
    void recoverySkipsATornSlotButKeepsTheValidRecordsAfterIt() throws Exception {
        ScripAccount scrip = scrip("torn", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(scrip, 100, "/before");
        }
        long scripId;
        long checkpoint;
        String databaseId;
        try (Connection c = LedgerFixtures.connect(file()); Statement st = c.createStatement()) {
            scripId = single(st, "SELECT id FROM scrip WHERE jti = 'torn'");
            checkpoint = single(st, "SELECT value FROM meta WHERE key = 'checkpoint'");
            try (ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE key = 'db_id'")) {
                databaseId = rs.getString(1);
            }
        }
        // What a killed process leaves: slot c valid; c+1 torn (its writer was killed mid-record, or a byte rotted);
        // c+2 reserved but never written; c+3 valid and acknowledged; c+4 a valid refund of c+3; c+5 a valid charge.
        long c = checkpoint;
        byte[] journal = new byte[(int) (c + 6) * JournalRecord.SLOT];
        put(journal, JournalRecord.CHARGE, c, scripId, 10, 0, 0);
        put(journal, JournalRecord.CHARGE, c + 1, scripId, 20, 0, 0);
        journal[(int) (c + 1) * JournalRecord.SLOT + 17] ^= 0x40; // amount 20 -> 16404, checksum no longer matches
        put(journal, JournalRecord.CHARGE, c + 3, scripId, 30, 0, 0);
        put(journal, JournalRecord.REFUND, c + 4, scripId, 30, c + 3, 1_700_000_000_123L);
        put(journal, JournalRecord.CHARGE, c + 5, scripId, 40, 0, 0);
        Files.write(JournalSegment.path(file(), 0), journal);

        ReceiptIds ids = new ReceiptIds(databaseId);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(JournalSegment.list(file())).isEmpty(); // folded in before open returned
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000 - 100 - 10 - 40);
            assertThat(ledger.refund(ids.format(c + 3))).isFalse();
            assertThatThrownBy(() -> ledger.refund(ids.format(c + 1))).isInstanceOf(IllegalArgumentException.class);
            ChargeResult next = ledger.charge(scrip, 1, "/after");
            assertThat(ids.parse(((ChargeResult.Charged) next).receiptId())).isGreaterThan(c + 5);
        }
        Map<String, LedgerFixtures.StoredCharge> stored = LedgerFixtures.charges(file());
        assertThat(stored).containsEntry(ids.format(c), new LedgerFixtures.StoredCharge(
                LedgerFixtures.ISSUER, "torn", 10, false));
        assertThat(stored).containsEntry(ids.format(c + 3), new LedgerFixtures.StoredCharge(
                LedgerFixtures.ISSUER, "torn", 30, true));
        assertThat(stored).containsEntry(ids.format(c + 5), new LedgerFixtures.StoredCharge(
                LedgerFixtures.ISSUER, "torn", 40, false));
        assertThat(stored).doesNotContainKeys(ids.format(c + 1), ids.format(c + 2), ids.format(c + 4));
        assertThat(LedgerFixtures.stored(file(), "torn").spent()).isEqualTo(151)
                .isEqualTo(LedgerFixtures.netCharged(file(), "torn"));
    }

    private static void put(byte[] journal, int type, long seq, long scripId, long amount, long refSeq,
                            long refundMillis) {
        int offset = (int) seq * JournalRecord.SLOT;
        JournalRecord.encode(journal, offset, type, seq, scripId, amount, 1, 1_700_000_000_000L, refSeq, refundMillis);
        ByteBuffer.wrap(journal).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(offset + JournalRecord.MAGIC_OFFSET, JournalRecord.MAGIC_VALID);
    }

    private static long single(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    @ParameterizedTest
    @EnumSource(SqliteLedger.Durability.class)
    void concurrentChargesAcrossManyTinySegmentsLoseNothing(SqliteLedger.Durability durability) throws Exception {
        LedgerTuning tiny = LedgerTuning.DEFAULTS.withSegmentBytes(4096) // 64 slots a segment
                .withMaterializeIntervalMillis(5).withMaterializeBatch(64);
        int threads = 8;
        int perThread = 1_500;
        Map<String, ChargeResult.Charged> acknowledged = new ConcurrentHashMap<>();
        Map<String, String> jtiOf = new ConcurrentHashMap<>();
        Map<String, AtomicLong> spent = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SqliteLedger ledger = SqliteLedger.open(file(), durability, tiny)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String jti = "seg" + (thread + i) % 12;
                        ChargeResult.Charged c = (ChargeResult.Charged) ledger.charge(scrip(jti, 1_000_000_000),
                                1 + i % 7, "/r/" + i % 50);
                        acknowledged.put(c.receiptId(), c);
                        jtiOf.put(c.receiptId(), jti);
                        spent.computeIfAbsent(jti, k -> new AtomicLong()).addAndGet(c.amountMicros());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(JournalSegment.list(file())).isEmpty();
        Map<String, LedgerFixtures.StoredCharge> stored = LedgerFixtures.charges(file());
        assertThat(stored).hasSize(threads * perThread);
        for (ChargeResult.Charged c : acknowledged.values()) {
            assertThat(stored.get(c.receiptId())).isEqualTo(new LedgerFixtures.StoredCharge(
                    LedgerFixtures.ISSUER, jtiOf.get(c.receiptId()), c.amountMicros(), false));
        }
        for (Map.Entry<String, AtomicLong> entry : spent.entrySet()) {
            assertThat(LedgerFixtures.stored(file(), entry.getKey()).spent()).isEqualTo(entry.getValue().get());
        }
    }

    @ParameterizedTest
    @EnumSource(SqliteLedger.Durability.class)
    void aRefundRacingAnotherRefundOfTheSameReceiptReturnsTheMoneyOnce(SqliteLedger.Durability durability)
            throws Exception {
        ScripAccount scrip = scrip("race", 10_000);
        int receipts = 100;
        AtomicInteger refunded = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SqliteLedger ledger = SqliteLedger.open(file(), durability, NO_BACKGROUND)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < receipts; i++) {
                ids.add(((ChargeResult.Charged) ledger.charge(scrip, 10, "/r")).receiptId());
                if (i == receipts / 2) {
                    ledger.unsettled(1); // the first half is in SQLite, the second only in the journal
                }
            }
            for (String id : ids) {
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<Boolean>> both = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    both.add(pool.submit(() -> {
                        barrier.await(10, TimeUnit.SECONDS);
                        return ledger.refund(id);
                    }));
                }
                int wins = 0;
                for (Future<Boolean> f : both) {
                    wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(wins).as("refunds of %s that returned money", id).isEqualTo(1);
                refunded.addAndGet(wins);
            }
            assertThat(ledger.remaining(scrip)).isEqualTo(10_000);
            assertThat(ledger.unsettled(10)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
        assertThat(refunded).hasValue(receipts);
        assertThat(LedgerFixtures.stored(file(), "race").spent()).isZero();
        assertThat(LedgerFixtures.charges(file()).values()).hasSize(receipts)
                .allMatch(LedgerFixtures.StoredCharge::refunded);
    }

    @Test
    void theJournalIsFoldedInWhileTheLedgerRunsAndDeletedAtClose() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE,
                LedgerTuning.DEFAULTS.withMaterializeIntervalMillis(10))) {
            for (int i = 0; i < 50; i++) {
                ledger.charge(scrip("bg", 1_000), 2, "/bg");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (LedgerFixtures.charges(file()).size() < 50 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(LedgerFixtures.charges(file())).hasSize(50);
            assertThat(LedgerFixtures.stored(file(), "bg").spent()).isEqualTo(100);
            assertThat(JournalSegment.list(file())).hasSize(1); // the segment being filled
        }
        assertThat(JournalSegment.list(file())).isEmpty();
    }

    @Test
    void evictedScripStatesComeBackFromSqliteWithEveryChargeAndRefund() throws Exception {
        LedgerTuning small = LedgerTuning.DEFAULTS.withStateCapacity(4).withMaterializeIntervalMillis(5);
        int scripCount = 40;
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, small)) {
            for (int round = 0; round < 3; round++) {
                for (int s = 0; s < scripCount; s++) {
                    String receipt = ((ChargeResult.Charged) ledger.charge(scrip("ev" + s, 100), 10, "/e"))
                            .receiptId();
                    if (round == 1) {
                        assertThat(ledger.refund(receipt)).isTrue();
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (ledger.cachedStates() > 4 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(ledger.cachedStates()).isLessThanOrEqualTo(4);
            }
            for (int s = 0; s < scripCount; s++) {
                assertThat(ledger.remaining(scrip("ev" + s, 100))).isEqualTo(80);
                assertThat(ledger.charge(scrip("ev" + s, 100), 81, "/e")).isEqualTo(new ChargeResult.Insufficient(80));
            }
        }
        for (int s = 0; s < scripCount; s++) {
            assertThat(LedgerFixtures.stored(file(), "ev" + s).spent()).isEqualTo(20);
        }
    }

    @Test
    void aRefundFoldedInBeforeRefundReturnsDoesNotDisableEvictionForever() throws Exception {
        LedgerTuning tuning = NO_BACKGROUND.withStateCapacity(1);
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            String receipt = ((ChargeResult.Charged) ledger.charge(scrip("rf-a", 100), 10, "/r")).receiptId();
            ledger.charge(scrip("rf-b", 100), 10, "/r");
            // A materializer pass folds the REFUND record in as soon as it is published, before refund() goes on.
            ledger.onRefundAppended(seq -> {
                try {
                    ledger.unsettled(1);
                } catch (LedgerUnavailableException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(ledger.refund(receipt)).isTrue();
            ledger.onRefundAppended(null);
            assertThat(LedgerFixtures.charges(file()).get(receipt).refunded()).isTrue(); // folded in by the hook

            ledger.backgroundPass(); // 2 states over a capacity of 1, all folded in: one is evicted
            assertThat(ledger.cachedStates()).isEqualTo(1);
            assertThat(ledger.remaining(scrip("rf-a", 100))).isEqualTo(100);
            assertThat(ledger.remaining(scrip("rf-b", 100))).isEqualTo(90);
            assertThat(ledger.refund(receipt)).isFalse();
        }
        assertThat(LedgerFixtures.stored(file(), "rf-a").spent()).isZero();
        assertThat(LedgerFixtures.stored(file(), "rf-b").spent()).isEqualTo(10);
    }

    @Test
    void aWriterStalledUntilItsSegmentIsFoldedInAndDeletedFailsInsteadOfRecreatingIt() throws Exception {
        LedgerTuning tuning = NO_BACKGROUND.withSegmentBytes(4096).withAbandonMillis(1); // 64 slots a segment
        ScripAccount scrip = scrip("stall", 1_000);
        Path segment0 = JournalSegment.path(file(), 0);
        LedgerFixtures.Stall stall = null;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            for (int i = 0; i < 63; i++) {
                ledger.charge(scrip, 1, "/s"); // slots 0..62
            }
            // The writer of slot 63, the last of segment 0, stalls between its reservation and its segment lookup.
            stall = LedgerFixtures.Stall.atSlot(ledger, 63);
            Future<ChargeResult> stalled = pool.submit(() -> ledger.charge(scrip, 1, "/s"));
            stall.awaitReserved(ledger);
            ledger.charge(scrip, 1, "/s"); // slot 64: segment 1 is created and becomes the current one
            // Passes until slot 63 is old enough to be given up (VOID) and segment 0 is folded in and deleted.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(segment0) && System.nanoTime() < deadline) {
                ledger.unsettled(1);
            }
            assertThat(segment0).doesNotExist();

            stall.resume();
            assertThatThrownBy(() -> stalled.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(LedgerUnavailableException.class);
            assertThat(segment0).doesNotExist(); // not recreated
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000 - 64); // the failed charge was undone
            assertThat(ledger.charge(scrip, 1, "/s")).isInstanceOf(ChargeResult.Charged.class); // still takes charges
        } finally {
            if (stall != null) {
                stall.resume();
            }
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.stored(file(), "stall").spent()).isEqualTo(65);
        assertThat(LedgerFixtures.charges(file())).hasSize(65);
    }

    @Test
    void receiptIdsLostInAPowerCutAreNotHandedOutAgain() throws Exception {
        LedgerTuning tuning = NO_BACKGROUND.withSegmentBytes(4096) // 64 slots a segment
                .withBusyTimeoutMillis(50);
        ScripAccount scrip = scrip("cut", 10_000);
        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        Set<String> issued = new HashSet<>();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning);
             Connection lock = LedgerFixtures.connect(file())) {
            issued.add(((ChargeResult.Charged) ledger.charge(scrip, 1, "/c")).receiptId()); // slot 0 (wakes a pass)
            // No pass folds anything from here on (slot 0 may be folded): the tail stays in the journal alone.
            lock.createStatement().execute("PRAGMA busy_timeout = 30000");
            lock.createStatement().execute("BEGIN EXCLUSIVE");
            for (int i = 1; i < 100; i++) { // slots 1..99: segment 0 full, segment 1 up to slot 99
                issued.add(((ChargeResult.Charged) ledger.charge(scrip, 1, "/c")).receiptId());
            }
            // The machine's state at the power cut: the database (with its WAL) and the journal, nothing folded in.
            try (Stream<Path> files = Files.list(dir)) {
                for (Path path : files.toList()) {
                    String name = path.getFileName().toString();
                    if (Files.isRegularFile(path) && (name.equals("ledger.db") || name.equals("ledger.db-wal")
                            || name.startsWith("ledger.db.journal-"))) {
                        Files.copy(path, crashed.resolve(name));
                    }
                }
            }
            lock.createStatement().execute("ROLLBACK");
        }
        Path copy = crashed.resolve("ledger.db");
        assertThat(JournalSegment.list(copy)).containsOnlyKeys(0L, 1L);
        // The cut lost the last 10 acknowledged records (they were only in the page cache): zeros in slots 90..99.
        try (FileChannel channel = FileChannel.open(JournalSegment.path(copy, 1), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(10 * JournalRecord.SLOT), (long) (90 - 64) * JournalRecord.SLOT);
        }

        try (SqliteLedger reopened = SqliteLedger.open(copy, SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            assertThat(reopened.remaining(scrip)).isEqualTo(10_000 - 90);
            for (int i = 0; i < 20; i++) {
                String receipt = ((ChargeResult.Charged) reopened.charge(scrip, 1, "/c")).receiptId();
                assertThat(issued).doesNotContain(receipt);
                assertThat(issued.add(receipt)).isTrue();
            }
        }
        assertThat(LedgerFixtures.charges(copy)).hasSize(90 + 20);
    }

    @Test
    void aVersionOneDatabaseIsRefusedWithAClearMessage() throws Exception {
        try (Connection c = LedgerFixtures.connect(file()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE charges (receipt_id TEXT PRIMARY KEY)");
            st.execute("PRAGMA user_version = 1");
        }

        assertThatThrownBy(() -> SqliteLedger.open(file()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schema version 1")
                .hasMessageContaining("does not convert");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".journal-"));
        }
    }
}
