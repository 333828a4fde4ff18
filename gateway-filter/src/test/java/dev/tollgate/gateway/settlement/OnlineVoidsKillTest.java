package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A JVM refunding online charges through the outbox is killed (SIGKILL at a random moment, or halted right after a
 * void was queued and before its refund): no refund is ever recorded without its void queued, every acknowledged
 * refund's void is in the outbox, and the next settlement finishes an interrupted refund and voids everything.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class OnlineVoidsKillTest {

    private static final int REFUNDS_BEFORE_KILL = 100;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"loop", "halt"})
    void aKilledProcessLeavesEveryRefundWithItsVoidQueued(String mode) throws Exception {
        Path file = dir.resolve("ledger.db");
        Set<String> charged = new HashSet<>();
        Set<String> refunded = new HashSet<>();
        String halted = null;
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OnlineVoidsKillChild.class.getName(), file.toString(),
                dir.toString(), mode).redirectError(dir.resolve("child.err").toFile()).start();
        // A child that stops making progress is killed, which ends the reading below: a blocked read cannot time out.
        CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(child::destroyForcibly);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (!line.endsWith(" $")) {
                    continue; // torn by the kill
                }
                String[] word = line.split(" ");
                switch (word[0]) {
                    case "charged" -> charged.add(word[1]);
                    case "refunded" -> refunded.add(word[1]);
                    case "halting" -> halted = word[1];
                    default -> throw new AssertionError("unexpected line " + line);
                }
                if (mode.equals("loop") && refunded.size() >= REFUNDS_BEFORE_KILL) {
                    break; // killed below, mid-flight
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(refunded).as("see child.err").hasSizeGreaterThanOrEqualTo(mode.equals("loop")
                ? REFUNDS_BEFORE_KILL : 1);

        Map<String, PendingVoid> queued = new HashMap<>();
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            ledger.pendingVoids(OnlineVoids.MAX_PENDING).forEach(v -> queued.put(v.receiptId(), v));
        }
        for (String receipt : refunded) {
            assertThat(queued.get(receipt)).as("acknowledged refund %s", receipt).isNotNull()
                    .satisfies(v -> assertThat(v.refunded()).isTrue());
        }
        assertThat(refundedInTheLedger(file)).as("no refund without its void queued")
                .isSubsetOf(queued.keySet());
        if (halted != null) {
            assertThat(queued.get(halted)).as("the void queued before the halt").isNotNull()
                    .satisfies(v -> assertThat(v.refunded()).isFalse());
        } else {
            assertThat(mode).isEqualTo("loop");
        }

        // The next settlement refunds what the crash interrupted and voids everything queued.
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE);
             FakeRedemptionBroker broker = new FakeRedemptionBroker()) {
            SellerKey key = SellerKey.loadOrCreate(dir);
            broker.register(key.publicJwk());
            queued.keySet().forEach(r -> broker.onlineCharge(r, r, 1_000));
            Settler settler = new Settler(new Settler.Settings(broker.redemptionUri(), FakeRedemptionBroker.SELLER,
                    FakeRedemptionBroker.ISSUER, Duration.ofHours(1), 500, Duration.ZERO, Duration.ZERO,
                    Duration.ofSeconds(10)), ledger, key, Clock.systemUTC());
            settler.onlineVoids().chargeUri(broker.chargeUri());
            while (!ledger.pendingVoids(1).isEmpty()) {
                assertThat(settler.settleOnce()).isNotEqualTo(Settler.Outcome.FAILED);
            }
            assertThat(broker.voided()).isEqualTo(queued.keySet());
            assertThat(refundedInTheLedger(file)).isEqualTo(queued.keySet());
            settler.close(Duration.ZERO);
        }
    }

    private static Set<String> refundedInTheLedger(Path file) throws Exception {
        Set<String> refunded = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT receipt_id FROM receipts WHERE refunded_at IS NOT NULL")) {
            while (rs.next()) {
                refunded.add(rs.getString(1));
            }
        }
        return refunded;
    }

}
