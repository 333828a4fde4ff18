package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConcurrentSpendingTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void thirtyTwoThreadsSpendingOneScripNeverOverspend() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir).start()) {
            long budget = 1_000_000;
            String token = gateway.broker.scrip().jti("shared").budget(Long.toString(budget)).sign();
            AtomicInteger paid = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 2; i++) {
                        HttpTester.Response response = gateway.paidGet("/articles/x", token, 50_000);
                        if (response.getStatus() == 200) {
                            paid.incrementAndGet();
                        } else {
                            assertThat(response.getStatus()).isEqualTo(402);
                            assertThat(TollgateFilterTest.offerOf(response).error())
                                    .isEqualTo("insufficient_budget");
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            assertThat(paid.get()).isEqualTo(20);
            assertThat(refused.get()).isEqualTo(44);
            ScripAccount account = new ScripAccount(TestBroker.ISSUER, "shared", TestBroker.BUYER, TestBroker.SELLER,
                    budget, "USD", Instant.now());
            assertThat(gateway.filter.ledger().remaining(account)).isZero();
        }
    }
}
