package dev.tollgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate's chains at one ledger: one chain per root and per commitment {@code jti}, and at most the
 * certificate's limit committed over all of them (docs/PROTOCOL.md section 8), refused atomically when a chain's row
 * would be inserted.
 */
final class SqliteLedgerChainCertificateTest {

    private static final String ISSUER = "https://broker.test";
    private static final long UNIT = 10;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    private static byte[] root(int seed) {
        byte[] root = new byte[32];
        Arrays.fill(root, (byte) seed);
        return root;
    }

    private static ChainAccount chain(String commitmentId, String cert, long limit, String jti, int rootSeed,
                                      int length) {
        return new ChainAccount(ISSUER, commitmentId, "jws-of-" + commitmentId, "buyer-1", "seller-1", length, UNIT,
                "EUR", Instant.parse("2030-01-01T00:00:00Z"), root(rootSeed), cert, limit, jti);
    }

    private static ChargeResult firstPayment(SqliteLedger ledger, ChainAccount chain) throws Exception {
        return ledger.chargeChain(chain, ledger.chainHead(chain), 1, root(99), UNIT, "/live/1");
    }

    @Test
    void aReSignedCommitmentOfAChainAlreadyPaidIsRefusedAndNotRecorded() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(firstPayment(ledger, chain("c1", "cert-1", 1_000, "j1", 1, 10)))
                    .isInstanceOf(ChargeResult.Charged.class);

            ChargeResult sameRoot = firstPayment(ledger, chain("c1-resigned", "cert-1", 1_000, "j2", 1, 10));
            ChargeResult sameJti = firstPayment(ledger, chain("c1-other-root", "cert-1", 1_000, "j1", 2, 10));

            assertThat(sameRoot).isInstanceOf(ChargeResult.ChainRefused.class);
            assertThat(((ChargeResult.ChainRefused) sameRoot).reason())
                    .isEqualTo(ChargeResult.ChainRefused.Reason.SAME_ROOT);
            assertThat(sameRoot.remainingMicros()).isZero();
            assertThat(((ChargeResult.ChainRefused) sameJti).reason())
                    .isEqualTo(ChargeResult.ChainRefused.Reason.SAME_JTI);
            assertThat(ledger.commitment(ISSUER, "c1-resigned")).isEmpty();
            assertThat(ledger.commitment(ISSUER, "c1-other-root")).isEmpty();
            assertThat(ledger.chainHead(chain("c1", "cert-1", 1_000, "j1", 1, 10)).index()).isEqualTo(1);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }

    @Test
    void anotherCertificateMayCommitTheSameRootAndJti() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(firstPayment(ledger, chain("c1", "cert-1", 100, "j1", 1, 10)))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(firstPayment(ledger, chain("c2", "cert-2", 100, "j1", 1, 10)))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void theChainsOfOneCertificateCommitAtMostItsLimit() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            // Limit 250: chains of 10 x 10 and 15 x 10 fit; another of 1 x 10 does not.
            assertThat(firstPayment(ledger, chain("c1", "cert-1", 250, "j1", 1, 10)))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(firstPayment(ledger, chain("c2", "cert-1", 250, "j2", 2, 15)))
                    .isInstanceOf(ChargeResult.Charged.class);

            ChargeResult over = firstPayment(ledger, chain("c3", "cert-1", 250, "j3", 3, 1));

            assertThat(over).isInstanceOf(ChargeResult.ChainRefused.class);
            assertThat(((ChargeResult.ChainRefused) over).reason())
                    .isEqualTo(ChargeResult.ChainRefused.Reason.OVER_LIMIT);
            assertThat(((ChargeResult.ChainRefused) over).message()).contains("250").contains("limit");
            assertThat(ledger.commitment(ISSUER, "c3")).isEmpty();
        }
        // A restart changes nothing: the recorded chains still pay, the refused one is still refused.
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChainAccount c2 = chain("c2", "cert-1", 250, "j2", 2, 15);
            assertThat(ledger.chargeChain(c2, ledger.chainHead(c2), 2, root(98), UNIT, "/live/2"))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(firstPayment(ledger, chain("c3", "cert-1", 250, "j3", 3, 1)))
                    .isInstanceOf(ChargeResult.ChainRefused.class);
        }
    }

    @Test
    void chainsWhoseFirstPaymentsRaceStillCommitAtMostTheLimit() throws Exception {
        int chains = 8;
        ExecutorService pool = Executors.newFixedThreadPool(chains);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ChargeResult>> results = new ArrayList<>();
            for (int i = 0; i < chains; i++) {
                // Each chain commits the whole limit of 100.
                ChainAccount chain = chain("c" + i, "cert-1", 100, "j" + i, i + 1, 10);
                results.add(pool.submit(() -> {
                    go.await();
                    return firstPayment(ledger, chain);
                }));
            }
            go.countDown();
            int charged = 0;
            for (Future<ChargeResult> result : results) {
                ChargeResult r = result.get();
                if (r instanceof ChargeResult.Charged) {
                    charged++;
                } else {
                    assertThat(r).isInstanceOf(ChargeResult.ChainRefused.class);
                }
            }
            assertThat(charged).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }
}
