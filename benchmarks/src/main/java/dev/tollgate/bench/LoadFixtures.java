package dev.tollgate.bench;

import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The payments load.sh's cases send, written as files of {@code PAYMENT-SIGNATURE} values, one a line, for its wrk
 * scripts: every buyer's header ({@code buyers}, read in a ring), and pools of headers each sent once
 * ({@code firstseen}: a new scrip per line; {@code payword}: one word per line; {@code payword-compact}: one word per
 * line in the compact {@code TOLLGATE-PAYWORD} form).
 */
final class LoadFixtures {

    /** Chains the PayWord pool pays in turn: more than wrk keeps in flight, so a chain's words arrive in order. */
    static final int PAYWORD_CHAINS = 256;

    /** Lines made at once, in parallel, before they are written. */
    private static final int CHUNK = 8192;

    private LoadFixtures() {
    }

    /** {@code count} buyers, each with a scrip of their own: {@code buyer-0000} to ... */
    static void buyers(ScripMint mint, int count, Path file) throws IOException {
        write(file, count, i -> BrokerFixture.paymentHeader(
                mint.scrip(String.format("buyer-%04d", i), String.format("buyers-%07d", i)), 1));
    }

    /** {@code count} scrip never sent before, each of a new buyer (a first visit). */
    static void firstSeen(ScripMint mint, int count, Path file) throws IOException {
        write(file, count, i -> BrokerFixture.paymentHeader(
                mint.scrip(String.format("visitor-%08d", i), String.format("first-%010d", i)), 1));
    }

    /**
     * {@code count} PayWord payments of one word (1 micro-unit) each, over {@link #PAYWORD_CHAINS} chains of buyers
     * certified by {@code broker}: line k pays word {@code k / PAYWORD_CHAINS + 2} of chain {@code k % PAYWORD_CHAINS}
     * by the commitment's id, in a {@code PAYMENT-SIGNATURE} value or, if {@code compact}, a {@code TOLLGATE-PAYWORD}
     * one (PROTOCOL.md section 8, "Compact words"). Returns each chain's first payment (word 1 with the commitment,
     * which the gateway verifies once), for the server to send before the load starts: sent in the pool, a slow first
     * verification could let the chain's next word arrive first.
     */
    static List<String> payWord(TestBroker broker, int count, Path file, boolean compact) throws IOException {
        int words = count / PAYWORD_CHAINS + 2;
        long expires = Instant.now().plusSeconds(6 * 3600).getEpochSecond();
        PayWordChain[] chains = new PayWordChain[PAYWORD_CHAINS];
        String[] ids = new String[PAYWORD_CHAINS];
        List<String> firstPayments = new ArrayList<>();
        for (int c = 0; c < PAYWORD_CHAINS; c++) {
            PayWordBuyer buyer = new PayWordBuyer(broker).length(words).unit(1)
                    .certificateClaim("sub", String.format(compact ? "compact-%03d" : "payword-%03d", c))
                    .certificateClaim("exp", expires).commitmentClaim("exp", expires);
            chains[c] = buyer.chain();
            String commitment = buyer.commitment();
            ids[c] = PayWord.commitmentId(commitment);
            firstPayments.add(PayWordBuyer.header(Map.of(PayWord.COMMITMENT, commitment, PayWord.INDEX, 1,
                    PayWord.WORD, PayWord.encodeWord(chains[c].word(1)))));
        }
        String brokerId = BrokerFixture.NETWORK.substring(BrokerFixture.NETWORK.indexOf(':') + 1);
        write(file, count, k -> {
            int c = k % PAYWORD_CHAINS;
            int index = k / PAYWORD_CHAINS + 2;
            return compact ? new CompactWord(brokerId, ids[c], index, chains[c].word(index), 1, null).header()
                    : PayWordBuyer.header(Map.of(PayWord.COMMITMENT_ID, ids[c], PayWord.INDEX, index, PayWord.WORD,
                    PayWord.encodeWord(chains[c].word(index))));
        });
        return firstPayments;
    }

    private static void write(Path file, int count, IntFunction<String> line) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int from = 0; from < count; from += CHUNK) {
                String[] lines = IntStream.range(from, Math.min(count, from + CHUNK)).parallel().mapToObj(line)
                        .toArray(String[]::new);
                for (String l : lines) {
                    out.write(l);
                    out.write('\n');
                }
            }
        }
    }
}
