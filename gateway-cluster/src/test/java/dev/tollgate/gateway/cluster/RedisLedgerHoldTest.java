package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node cut off from a real redis-server charges from its slices only while its hold on its node id is surely live
 * (docs/CLUSTER.md, "One process per node id"): the hold's deadline runs on the node's own clock, here one the test
 * moves, so the test needs no wait for it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
final class RedisLedgerHoldTest {

    private static final long PRICE = 100;

    @TempDir
    Path dir;

    @Test
    void aNodeCutOffFromRedisChargesItsSliceUntilItsHoldMayHaveLapsedThenFailsClosedUntilARenewalIsAnswered()
            throws Exception {
        AtomicLong clock = new AtomicLong(System.nanoTime());
        ScripAccount scrip = new ScripAccount("https://broker.test", "cut-off", "buyer", "seller-1", 100 * PRICE,
                "USD", Instant.now().plus(Duration.ofHours(1)));
        try (RedisServer redis = RedisServer.start(dir)) {
            SqliteLedger file = SqliteLedger.open(dir.resolve("ledger.db"));
            try (RedisLedger ledger = RedisLedger.open(file, BudgetLeases.connect(redis.uri(), file.databaseId(),
                    LeaseSettings.defaults()), SlicePolicy.defaults(), clock::get)) {
                long charged = 0;
                assertThat(ledger.charge(scrip, PRICE, "/a")).isInstanceOf(ChargeResult.Charged.class);
                charged += PRICE; // the slice now covers at least 3 more charges (4 ahead), for 24 s
                redis.kill();

                clock.addAndGet(NodeOwner.HELD.toNanos() - TimeUnit.MILLISECONDS.toNanos(1));
                assertThat(ledger.charge(scrip, PRICE, "/a")).as("within the hold's deadline, from the slice")
                        .isInstanceOf(ChargeResult.Charged.class);
                charged += PRICE;
                clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
                assertThatThrownBy(() -> ledger.charge(scrip, PRICE, "/a")).as("past it, though the slice covers it")
                        .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("may have lapsed");
                assertThatThrownBy(() -> ledger.chargeStream(scrip, PRICE, "/videos/1", Instant.now(),
                        Instant.now().plusSeconds(60))).isInstanceOf(LedgerUnavailableException.class);

                redis.start();
                long[] recovered = {0};
                Poll.until("a renewal is answered and the node charges again", () -> {
                    try {
                        recovered[0] += ledger.charge(scrip, PRICE, "/a") instanceof ChargeResult.Charged ? PRICE : 0;
                        return recovered[0] > 0;
                    } catch (LedgerUnavailableException e) {
                        return false;
                    }
                });
                charged += recovered[0];
                assertThat(file.chargedMicros(scrip.issuer(), scrip.jti())).as("nothing refused was charged")
                        .isEqualTo(charged);
            }
        }
    }

    @Test
    void aNodeWhoseHoldLapsedInRedisDoesNotTakeItBackButStaysFencedUntilItRestarts() throws Exception {
        AtomicLong clock = new AtomicLong(System.nanoTime());
        ScripAccount scrip = new ScripAccount("https://broker.test", "lapsed", "buyer", "seller-1", 100 * PRICE,
                "USD", Instant.now().plus(Duration.ofHours(1)));
        try (RedisServer redis = RedisServer.start(dir);
             BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            SqliteLedger file = SqliteLedger.open(dir.resolve("ledger.db"));
            String ownerKey = "tollgate:{node:" + file.databaseId() + "}:owner";
            long charged = 0;
            try (RedisLedger ledger = RedisLedger.open(file, BudgetLeases.connect(redis.uri(), file.databaseId(),
                    LeaseSettings.defaults()), SlicePolicy.defaults(), clock::get)) {
                assertThat(ledger.charge(scrip, PRICE, "/a")).isInstanceOf(ChargeResult.Charged.class);
                charged += PRICE;
                // Cut off past the hold's lease: Redis ended the hold (as its TTL, or an operator's retire, would),
                // and a copy of the ledger file could have taken the id and handed back its slices meanwhile.
                clock.addAndGet(NodeOwner.HELD.toNanos());
                observer.call(observer.commands().del(ownerKey).toCompletableFuture(), "test");

                Poll.until("the next renewal finds the hold gone", () -> {
                    try {
                        ledger.charge(scrip, PRICE, "/a");
                        return false;
                    } catch (LedgerUnavailableException e) {
                        return e.getMessage().contains("lost its hold");
                    }
                });
                assertThat(observer.call(observer.commands().get(ownerKey).toCompletableFuture(), "test"))
                        .as("the node did not take its id back").isNull();
                assertThatThrownBy(() -> ledger.charge(scrip, PRICE, "/a")).as("still fenced")
                        .isInstanceOf(LedgerUnavailableException.class).hasMessageContaining("restart");
            }
            SqliteLedger again = SqliteLedger.open(dir.resolve("ledger.db"));
            try (RedisLedger restarted = RedisLedger.open(again, BudgetLeases.connect(redis.uri(),
                    again.databaseId(), LeaseSettings.defaults()), SlicePolicy.defaults(), System::nanoTime)) {
                assertThat(restarted.charge(scrip, PRICE, "/a")).as("a restart claims the id again")
                        .isInstanceOf(ChargeResult.Charged.class);
                charged += PRICE;
                assertThat(again.chargedMicros(scrip.issuer(), scrip.jti())).isEqualTo(charged);
            }
        }
    }
}
