package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.X402Codec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PayWord over real HTTP between a real gateway and a real broker: the broker certifies the buyer's key, the buyer
 * commits to a chain for the seller and pays article by article with words of it, revealing words ahead and being
 * refunded once; the gateway settles what the chain's requests consumed, the broker credits the seller exactly that
 * from the certificate's reservation, and at the certificate's expiry the words paid ahead go back to the buyer.
 */
final class PayWordEndToEndTest {

    private static final long UNIT = 10_000; // one cent a word; an article (5 cents) costs 5 words
    private static final long LIMIT = 1_000_000;
    private static final Duration GRACE = Duration.ofHours(2);

    @TempDir
    Path dir;

    @Test
    void theSellerIsCreditedWhatWasConsumedAndTheBuyerGetsTheWordsPaidAheadBack() throws Exception {
        MutableClock clock = new MutableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        try (Broker broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).clock(clock)
                .settlementGrace(GRACE).sweepInterval(Duration.ZERO).build().start()) {
            Path config = EndToEndSettlementTest.writeConfig(dir, broker);
            Files.writeString(config, Files.readString(config).replace("    price: 0.05\n",
                    "    price: 0.05\n    schemes: [scrip, payword]\n"));
            TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
            Server gateway = EndToEndSettlementTest.startGateway(filter);
            try {
                broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                        List.of("https://news.example")));
                TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
                KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                String certificate = TestPayWord.certificate(broker, buyer, key, LIMIT);
                PayWordChain chain = PayWordChain.generate(100, new SecureRandom());
                String commitment = TestPayWord.commit(key, "daily-byte", certificate, chain, UNIT,
                        clock.instant().getEpochSecond());
                String id = PayWord.commitmentId(commitment);
                URI base = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0])
                        .getLocalPort());

                // Ten words for a five-word article: five paid ahead, spent by the next article.
                assertThat(get(base, "/articles/a0", commitment, null, chain, 10).statusCode()).isEqualTo(200);
                assertThat(get(base, "/articles/a1", null, id, chain, 10).statusCode()).isEqualTo(200);
                assertThat(get(base, "/articles/replay", null, id, chain, 10).statusCode())
                        .as("a word already paid and consumed buys nothing more").isEqualTo(402);
                assertThat(get(base, "/articles/a2", null, id, chain, 20).statusCode()).isEqualTo(200);
                assertThat(get(base, "/articles/missing", null, id, chain, 25).statusCode())
                        .isEqualTo(404); // refunded to the chain's credit, the head stays at 25

                long consumed = 15 * UNIT; // 25 words revealed, three articles of 5 served, 10 words never used
                JsonNode me = awaitCertificateRedeemed(broker, buyer, consumed);
                assertThat(me.path("balance").asText()).isEqualTo(Long.toString(5_000_000 - LIMIT));
                assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(LIMIT - consumed));
                assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(consumed, consumed);
                assertThat(broker.statements().totals().conserved()).isTrue();

                clock.advance(Duration.ofHours(1).plus(GRACE)); // the certificate's expiry and the grace period
                assertThat(broker.returnExpiredScrip()).isEqualTo(1);
                me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
                assertThat(me.path("balance").asText()).as("everything not consumed is the buyer's again")
                        .isEqualTo(Long.toString(5_000_000 - consumed));
                assertThat(me.path("reserved").asText()).isEqualTo("0");
                assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(consumed, consumed);
                assertThat(broker.statements().totals().conserved()).isTrue();
            } finally {
                gateway.stop();
            }
        }
    }

    private static java.net.http.HttpResponse<String> get(URI base, String path, String commitment, String id,
                                                         PayWordChain chain, int index) throws Exception {
        Map<String, Object> payload = new LinkedHashMap<>();
        if (commitment != null) {
            payload.put(PayWord.COMMITMENT, commitment);
        } else {
            payload.put(PayWord.COMMITMENT_ID, id);
        }
        payload.put(PayWord.INDEX, index);
        payload.put(PayWord.WORD, PayWord.encodeWord(chain.word(index)));
        PaymentRequirements accepted = new PaymentRequirements(PayWord.SCHEME, "tollgate:demo", "50000", "USD",
                "daily-byte", 60, Map.of());
        return EndToEndSettlementTest.get(base.resolve(path),
                X402Codec.encodeHeader(new PaymentPayload(2, null, accepted, payload, null)));
    }

    private static JsonNode awaitCertificateRedeemed(Broker broker, TestBrokers.Buyer buyer, long expected)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            JsonNode me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
            if (me.at("/paywordCertificates/0/redeemed").asText().equals(Long.toString(expected))) {
                return me;
            }
            assertThat(Instant.now()).as("redeemed %s within 30 s; last view %s", expected, me).isBefore(deadline);
            Thread.sleep(50);
        }
    }
}
