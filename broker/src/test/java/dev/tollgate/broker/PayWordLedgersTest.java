package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWordChain;

/**
 * One PayWord chain whose words a seller took on several gateway nodes, each node claiming its own ledger's charges
 * (PROTOCOL.md section 8, "Several ledgers"): the broker credits exactly the words paid, once, in any order of claims
 * and resends, and never more than the highest word proves.
 */
final class PayWordLedgersTest {

    private static final long UNIT = 1_000;
    private static final long LIMIT = 1_000_000;
    private static final List<String> LEDGERS = List.of("node-a", "node-b", "node-c");

    @TempDir
    Path dir;

    private final KeyPair buyerKey = TestSellers.newKeyPair();
    private Broker broker;
    private TestSellers.Key seller;
    private PayWordChain chain;
    private String commitment;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        String certificate = TestPayWord.certificate(broker, buyer, buyerKey, LIMIT);
        chain = PayWordChain.generate(100, new SecureRandom());
        commitment = TestPayWord.commit(buyerKey, seller.id(), certificate, chain, UNIT,
                java.time.Instant.now().getEpochSecond());
    }

    @AfterEach
    void close() {
        broker.close();
    }

    /** The cumulative claim of {@code ledger}: its highest word and what its requests consumed. */
    private ObjectNode claim(String ledger, int highest, long spent) {
        ObjectNode claim = TestPayWord.claim(commitment, chain, highest);
        claim.put("spent", Long.toString(spent));
        claim.put("ledger", ledger);
        return claim;
    }

    private ObjectNode redeem(ObjectNode claim) {
        return TestPayWord.only(TestPayWord.redeem(broker, seller, java.time.Instant.now().getEpochSecond(),
                List.of(claim)));
    }

    private long credited() throws Exception {
        return broker.statements().creditsBySeller().get(seller.id())[0];
    }

    @Test
    void wordsAlternatingOverThreeLedgersAreCreditedExactlyOnceWhateverTheOrderOfClaims() throws Exception {
        int[] highest = new int[3];
        long[] spent = new long[3];
        List<ObjectNode> answers = new ArrayList<>();
        for (int word = 1; word <= 30; word++) {
            int node = word % 3; // word w is taken by node w mod 3: each node's words interleave with the others'
            highest[node] = word;
            spent[node] += UNIT;
            if (word % 10 == 0) { // every node claims, the last to take a word first, and one claim is resent
                for (int n = 2; n >= 0; n--) {
                    answers.add(redeem(claim(LEDGERS.get(n), highest[n], spent[n])));
                }
                answers.add(redeem(claim(LEDGERS.get(0), highest[0], spent[0])));
            }
        }

        assertThat(credited()).as("the 30 words paid, once").isEqualTo(30 * UNIT);
        for (int n = 0; n < 3; n++) {
            ObjectNode last = redeem(claim(LEDGERS.get(n), highest[n], spent[n]));
            assertThat(last.get("status").asText()).isEqualTo("unchanged");
            assertThat(last.get("redeemed").asText()).as("ledger %d's own cumulative credit", n)
                    .isEqualTo(Long.toString(spent[n]));
            assertThat(last.get("index").asLong()).as("ledger %d's own word", n).isEqualTo(highest[n]);
        }
        assertThat(answers).allSatisfy(a -> assertThat(a.get("status").asText()).isIn("credited", "unchanged"));
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void ledgersTogetherAreNeverCreditedMoreThanTheHighestWordProves() throws Exception {
        redeem(claim("node-a", 20, 20 * UNIT));
        ObjectNode greedy = redeem(claim("node-b", 19, 19 * UNIT)); // claims words node-a was paid for

        assertThat(greedy.get("status").asText()).isEqualTo("unchanged");
        assertThat(credited()).isEqualTo(20 * UNIT);
        ObjectNode higher = redeem(claim("node-b", 25, 19 * UNIT));
        assertThat(higher.get("credited").asText()).as("only what word 25 proves beyond node-a's").isEqualTo("5000");
        assertThat(credited()).isEqualTo(25 * UNIT);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }
}
