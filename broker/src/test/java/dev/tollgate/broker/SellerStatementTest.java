package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/** A seller reads its statement with a request signed by its key, and nobody else can. */
final class SellerStatementTest {

    private static final String PATH = "/v1/sellers/daily-byte/statement";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private TestSellers.Key seller;
    private TestSellers.Key other;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        other = TestSellers.register(broker, "other-news");
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private String auth(String token) {
        return "Tollgate-Seller " + token;
    }

    @Test
    void theStatementShowsTheCreditedTotalAndTheScrip() {
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        String a = TestBrokers.issue(broker, buyer, "daily-byte", 1_000_000).text("jti");
        String b = TestBrokers.issue(broker, buyer, "daily-byte", 200_000).text("jti");
        TestBrokers.issue(broker, buyer, "other-news", 300_000);
        TestSellers.redeem(broker, seller, now(), Map.of(a, "250000", b, "999999"));

        Answer st = TestSellers.statement(broker, "daily-byte", auth(TestSellers.statementToken(seller, now(), PATH)));

        assertThat(st.status()).as(st.body()).isEqualTo(200);
        assertThat(st.text("seller")).isEqualTo("daily-byte");
        assertThat(st.text("credited")).isEqualTo("450000");
        assertThat(st.json().get("scrip")).hasSize(2);
        assertThat(st.json().at("/scrip/0/jti").asText()).isEqualTo(b);
        assertThat(st.json().at("/scrip/0/redeemed").asText()).isEqualTo("200000");
        assertThat(st.json().at("/scrip/1/budget").asText()).isEqualTo("1000000");
        assertThat(st.json().at("/scrip/1/redeemed").asText()).isEqualTo("250000");
        assertThat(st.json().at("/scrip/1/status").asText()).isEqualTo("active");
        assertThat(st.response().headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void theStatementRequiresAValidSignatureOfThatSeller() {
        long now = now();
        assertThat(TestSellers.statement(broker, "daily-byte", null).status()).isEqualTo(401);
        assertThat(TestSellers.statement(broker, "daily-byte", "Bearer x").status()).isEqualTo(401);

        TestSellers.Key forger = new TestSellers.Key("daily-byte", TestSellers.newKeyPair(), seller.kid());
        Answer forged = TestSellers.statement(broker, "daily-byte", auth(TestSellers.statementToken(forger, now,
                PATH)));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.text("error")).isEqualTo("invalid_signature");

        Answer otherSeller = TestSellers.statement(broker, "daily-byte", auth(TestSellers.statementToken(other, now,
                PATH)));
        assertThat(otherSeller.status()).isEqualTo(403);
        assertThat(otherSeller.text("error")).isEqualTo("forbidden");

        Answer wrongHtu = TestSellers.statement(broker, "daily-byte", auth(TestSellers.statementToken(seller, now,
                "/v1/sellers/other-news/statement")));
        assertThat(wrongHtu.status()).isEqualTo(400);

        String old = TestSellers.statementToken(seller, now, PATH);
        clock.advance(Duration.ofMinutes(5));
        Answer expired = TestSellers.statement(broker, "daily-byte", auth(old));
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.text("error")).isEqualTo("expired_token");

        ObjectNode p = TestSellers.JSON.createObjectNode().put("iss", "daily-byte").put("aud", TestBrokers.ISSUER)
                .put("iat", now()).put("exp", now() + 600).put("htu", PATH);
        String tooLong = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.STATEMENT_TYPE), p);
        assertThat(TestSellers.statement(broker, "daily-byte", auth(tooLong)).status()).isEqualTo(400);

        String redemptionTyped = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), p.put("exp", now() + 60));
        assertThat(TestSellers.statement(broker, "daily-byte", auth(redemptionTyped)).status()).isEqualTo(400);

        assertThat(TestSellers.statement(broker, "daily-byte", auth(TestSellers.statementToken(seller, now(), PATH)))
                .status()).isEqualTo(200);
    }
}
