package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import jakarta.servlet.ServletException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settlement as the filter runs it: the seller key at start, a final batch on destroy. */
final class FilterSettlementTest {

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;

    @BeforeEach
    void start() throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        broker = new FakeRedemptionBroker();
        Files.writeString(dir.resolve("gateway.yaml"), String.join("\n",
                "seller:",
                "  id: " + SELLER,
                "broker:",
                "  id: test",
                "  issuer: " + ISSUER,
                "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
                "  token-endpoint: https://broker.test/v1/scrip",
                "  redemption-url: " + broker.redemptionUri(),
                "currency: USD",
                "data-dir: data",
                ""));
    }

    @AfterEach
    void stop() throws Exception {
        ledger.close();
        broker.close();
    }

    private TollgateFilter filter() throws ServletException {
        TollgateFilter filter = TollgateFilter.builder().configFile(dir.resolve("gateway.yaml")).ledger(ledger)
                .watchConfig(false).build();
        filter.init(null);
        return filter;
    }

    private void charge(String jti, long micros) throws Exception {
        ledger.charge(new ScripAccount(ISSUER, jti, "buyer", SELLER, 1_000_000, "USD",
                Instant.now().plusSeconds(3600)), micros, "/a");
    }

    @Test
    void destroyingTheFilterSendsPendingClaimsInAFinalBatch() throws Exception {
        TollgateFilter filter = filter();
        broker.register(filter.sellerPublicJwk());
        charge("a", 50_000);
        charge("b", 250_000);
        charge("a", 1);
        SettlementStatus before = filter.settlementStatus();
        assertThat(before.chargedMicros()).isEqualTo(300_001);
        assertThat(before.unsettledMicros()).isEqualTo(300_001);
        assertThat(before.settledMicros()).isZero();
        assertThat(before.lastSuccess()).isEmpty();

        filter.destroy();

        assertThat(broker.redeemed("a")).isEqualTo(50_001);
        assertThat(broker.redeemed("b")).isEqualTo(250_000);
        assertThat(ledger.unsettled(10)).isEmpty();
        assertThat(broker.rejections()).isEmpty();
    }

    @Test
    void theFilterKeepsItsSellerKeyAcrossRestarts() throws Exception {
        TollgateFilter first = filter();
        String jwk = first.sellerPublicJwk();
        first.destroy();
        Path file = dir.resolve("data").resolve(SellerKey.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        TollgateFilter second = filter();
        assertThat(second.sellerPublicJwk()).isEqualTo(jwk);
        second.destroy();
    }

    @Test
    void theFilterRefusesToStartWithAKeyFileOthersMayRead() throws Exception {
        filter().destroy();
        Path file = dir.resolve("data").resolve(SellerKey.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        assertThatThrownBy(this::filter)
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("cannot start")
                .hasMessageContaining("chmod 600");
    }
}
