package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that is refused for its budget writes nothing to the ledger, whatever path it names: a buyer with a spent
 * scrip cannot grow the seller's database (docs/LEDGER.md, "Bounds").
 */
final class UnpaidRequestsWriteNothingTest {

    @TempDir
    Path dir;

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void requestsWithASpentScripToRandomPathsLeaveTheLedgerFileUnchanged() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir).start()) {
            String token = gateway.broker.scrip().budget("50000").sign();
            assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
            gateway.filter.ledger().unsettled(0); // folds the charge in: nothing is left to write
            try (Connection watcher = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/ledger.db"))) {
                long version = scalar(watcher, "PRAGMA data_version");
                long resources = scalar(watcher, "SELECT count(*) FROM resources");

                for (int i = 0; i < 200; i++) {
                    HttpTester.Response refused = gateway.paidGet("/articles/" + UUID.randomUUID(), token, 50_000);

                    assertThat(refused.getStatus()).isEqualTo(402);
                    assertThat(TollgateFilterTest.offerOf(refused).error()).isEqualTo("insufficient_budget");
                }

                assertThat(scalar(watcher, "PRAGMA data_version")).as("the ledger committed").isEqualTo(version);
                assertThat(scalar(watcher, "SELECT count(*) FROM resources")).isEqualTo(resources).isEqualTo(1);
            }
        }
    }
}
