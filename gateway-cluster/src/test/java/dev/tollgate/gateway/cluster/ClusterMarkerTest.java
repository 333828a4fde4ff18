package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node ledger joins a cluster only if it never charged as a single node ({@link ClusterMarker}), on a real
 * SqliteLedger and redis-server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ClusterMarkerTest {

    private static final ScripAccount SCRIP = new ScripAccount("https://broker.test", "s-1", "buyer-1", "seller-1",
            1_000, "USD", Instant.now().plus(Duration.ofHours(1)));

    @TempDir
    Path dir;
    private RedisServer redis;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
    }

    private RedisLedger open(SqliteLedger node) throws Exception {
        BudgetLeases leases = BudgetLeases.connect(redis.uri(), node.databaseId(), LeaseSettings.defaults());
        try {
            return RedisLedger.open(node, leases, SlicePolicy.defaults());
        } catch (RuntimeException e) {
            leases.close();
            node.close();
            throw e;
        }
    }

    @Test
    void aLedgerThatChargedAsASingleNodeIsRefused() throws Exception {
        Path file = dir.resolve("single.db");
        String id;
        try (SqliteLedger single = SqliteLedger.open(file)) {
            assertThat(single.charge(SCRIP, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
            id = single.databaseId();
        }

        IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                () -> open(SqliteLedger.open(file)));

        assertThat(refused).hasMessageContaining("charged as a single node").hasMessageContaining("new ledger file")
                .hasMessageContaining("write its id " + id);
        assertThat(dir.resolve("single.db.cluster")).doesNotExist();
    }

    @Test
    void aClusterLedgerReopensWithItsChargesAndAReplacedLedgerIsRefused() throws Exception {
        Path file = dir.resolve("node.db");
        try (RedisLedger ledger = open(SqliteLedger.open(file))) {
            assertThat(ledger.charge(SCRIP, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
        }
        try (RedisLedger ledger = open(SqliteLedger.open(file))) {
            assertThat(ledger.charge(SCRIP, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
        }

        Files.writeString(dir.resolve("node.db.cluster"), "0123456789abcdef\n");
        assertThat(catchThrowableOfType(IllegalStateException.class, () -> open(SqliteLedger.open(file))))
                .hasMessageContaining("names ledger 0123456789abcdef").hasMessageContaining("was replaced");
    }
}
