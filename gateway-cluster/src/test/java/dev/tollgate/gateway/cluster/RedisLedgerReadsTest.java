package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reads a {@link RedisLedger} answers from its node's ledger, across a restart of the node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class RedisLedgerReadsTest {

    @TempDir
    Path dir;

    private RedisLedger open(RedisServer redis) throws Exception {
        SqliteLedger node = SqliteLedger.open(dir.resolve("ledger.db"));
        return RedisLedger.open(node, BudgetLeases.connect(redis.uri(), node.databaseId(), LeaseSettings.defaults()),
                SlicePolicy.defaults());
    }

    @Test
    void aScripChargedBeforeARestartIsFoundByIssuerAndJti() throws Exception {
        ScripAccount scrip = new ScripAccount("https://broker.test", "known", "buyer-1", "seller-1", 1_000, "USD",
                Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS));
        try (RedisServer redis = RedisServer.start(dir)) {
            try (RedisLedger ledger = open(redis)) {
                assertThat(ledger.charge(scrip, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
            }
            try (RedisLedger restarted = open(redis)) {
                assertThat(restarted.scrip("https://broker.test", "known")).contains(scrip);
                assertThat(restarted.scrip("https://broker.test", "never-charged")).isEmpty();
            }
        }
    }
}
