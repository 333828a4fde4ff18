package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Files;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When something the gateway depends on is missing or broken, paid content is not served. */
final class FailClosedTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void aClosedLedgerServesNothingPaidAndSaysWhy() throws Exception {
        Ledger ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        try (GatewayHarness gateway = new GatewayHarness(dir).start(ledger)) {
            String token = gateway.broker.scrip().sign();
            assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);

            ledger.close();
            HttpTester.Response response = gateway.paidGet("/articles/one", token, 50_000);

            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(gateway.body(response)).doesNotContain("content of");
            @SuppressWarnings("unchecked")
            Map<String, Object> error = X402Codec.fromJson(response.getContentBytes(), Map.class);
            assertThat(error).containsEntry("error", "ledger_unavailable");
            assertThat(gateway.get("/free/x").getStatus()).isEqualTo(200);
        }
    }

    @Test
    void aLedgerThatFailsUnexpectedlyServesNothingPaid() throws Exception {
        Ledger broken = new Ledger() {
            @Override
            public dev.tollgate.gateway.ledger.ChargeResult charge(dev.tollgate.gateway.ledger.ScripAccount scrip,
                                                                   long amountMicros, String resource) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public boolean refund(String receiptId) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public long remaining(dev.tollgate.gateway.ledger.ScripAccount scrip) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public java.util.List<dev.tollgate.gateway.ledger.ScripTotal> unsettled(int limit) {
                return java.util.List.of();
            }

            @Override
            public void markSettled(String issuer, String jti, long settledMicros) {
            }

            @Override
            public dev.tollgate.gateway.ledger.ChargeResult chargeStream(
                    dev.tollgate.gateway.ledger.ScripAccount scrip, long amountMicros, String stream,
                    java.time.Instant now, java.time.Instant entitledUntil) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public dev.tollgate.gateway.ledger.ChainHead chainHead(dev.tollgate.gateway.ledger.ChainAccount chain) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public dev.tollgate.gateway.ledger.ChargeResult chargeChain(
                    dev.tollgate.gateway.ledger.ChainAccount chain, dev.tollgate.gateway.ledger.ChainHead expected,
                    int index, byte[] word, long amountMicros, String resource) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public java.util.Optional<String> commitment(String issuer, String commitmentId) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public java.util.List<dev.tollgate.gateway.ledger.ChainTotal> unsettledChains(int limit) {
                return java.util.List.of();
            }

            @Override
            public void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex) {
            }

            @Override
            public void close() {
            }
        };
        try (GatewayHarness gateway = new GatewayHarness(dir).start(broken)) {
            String token = gateway.broker.scrip().sign();

            HttpTester.Response get = gateway.paidGet("/articles/one", token, 50_000);
            HttpTester.Response head = gateway.request("HEAD", "/articles/one", "PAYMENT-SIGNATURE",
                    GatewayHarness.paymentHeader(token, 50_000));

            assertThat(get.getStatus()).isEqualTo(503);
            assertThat(gateway.body(get)).contains("ledger_unavailable").doesNotContain("content of");
            assertThat(head.getStatus()).isEqualTo(503);
        }
    }

    @Test
    void balancesSurviveARestartOfTheGateway() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir).start()) {
            String token = gateway.broker.scrip().budget("100000").sign();
            assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
            gateway.stop();

            gateway.start();

            HttpTester.Response second = gateway.paidGet("/articles/two", token, 50_000);
            assertThat(TollgateFilterTest.receiptOf(second).extra()).containsEntry("remaining", "0");
            HttpTester.Response third = gateway.paidGet("/articles/three", token, 50_000);
            assertThat(TollgateFilterTest.offerOf(third).error()).isEqualTo("insufficient_budget");
        }
    }

    @Test
    void anInvalidConfigStopsTheFilterFromStartingAndNamesEveryProblem() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir)) {
            gateway.writeConfig("rules:\n  - match: nope\n    price: 0.05\n  - match: /b\n    price: 1.0000001\n");

            TollgateFilter filter = TollgateFilter.builder().configFile(gateway.configFile).build();
            assertThatThrownBy(() -> filter.init(null))
                    .isInstanceOf(jakarta.servlet.ServletException.class)
                    .hasMessageContaining("cannot start")
                    .hasMessageContaining("2 problems")
                    .hasMessageContaining("rules[0].match")
                    .hasMessageContaining("rules[1].price");
        }
    }

    @Test
    void aFilterWithoutItsConfigParamRefusesToStart() {
        assertThatThrownBy(() -> new TollgateFilter().init(null))
                .isInstanceOf(jakarta.servlet.ServletException.class)
                .hasMessageContaining("init-param 'config' is missing");
    }

    @Test
    void anUnwritableDataDirStopsTheFilterFromStarting() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir)) {
            Files.writeString(dir.resolve("blocker"), "a file where the data dir should be");
            gateway.writeConfig(GatewayHarness.RULES);
            Files.writeString(gateway.configFile, Files.readString(gateway.configFile)
                    .replace("currency: USD", "currency: USD\ndata-dir: blocker"));

            TollgateFilter filter = TollgateFilter.builder().configFile(gateway.configFile).watchConfig(false).build();
            assertThatThrownBy(() -> filter.init(null)).isInstanceOf(jakarta.servlet.ServletException.class)
                    .hasMessageContaining("cannot start");
        }
    }
}
