package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/** After expiry plus the settlement grace period, the unredeemed remainder of scrip goes back to the buyer. */
final class ExpiryReturnsTest {

    private static final Duration GRACE = Duration.ofHours(2);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private TestSellers.Key seller;
    private Buyer buyer;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).settlementGrace(GRACE)
                .sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private String scrip(long budget) {
        Answer a = TestBrokers.post(broker, "/v1/scrip", "{\"seller\":\"daily-byte\",\"budget\":\"" + budget
                + "\",\"ttlSeconds\":3600}", buyer.apiKey());
        assertThat(a.status()).isEqualTo(201);
        return a.text("jti");
    }

    private Answer redeem(String jti, String spent) {
        return TestSellers.redeem(broker, seller, clock.instant().getEpochSecond(), Map.of(jti, spent));
    }

    private JsonNode meScrip(String jti) {
        for (JsonNode s : TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json().get("scrip")) {
            if (s.get("jti").asText().equals(jti)) {
                return s;
            }
        }
        throw new AssertionError("no scrip " + jti);
    }

    @Test
    void theRemainderReturnsAfterTheGracePeriodAndLaterClaimsAreRefused() throws Exception {
        String jti = scrip(1_000_000);
        assertThat(redeem(jti, "300000").json().at("/results/0/status").asText()).isEqualTo("credited");

        // Expired, but within the grace period: still redeemable, the remainder still reserved.
        clock.advance(Duration.ofHours(1).plusMinutes(30));
        assertThat(broker.returnExpiredScrip()).isZero();
        assertThat(meScrip(jti).get("status").asText()).isEqualTo("expired");
        Answer late = redeem(jti, "400000");
        assertThat(late.json().at("/results/0/credited").asText()).isEqualTo("100000");

        // Expiry + grace has passed: the sweep returns the 600000 not redeemed.
        clock.advance(Duration.ofHours(2));
        assertThat(broker.returnExpiredScrip()).isEqualTo(1);
        assertThat(broker.returnExpiredScrip()).isZero();
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(4_000_000 + 600_000);
        assertThat(me.micros("reserved")).isZero();
        assertThat(meScrip(jti).get("status").asText()).isEqualTo("returned");
        assertThat(meScrip(jti).get("redeemed").asText()).isEqualTo("400000");

        Answer refused = redeem(jti, "1000000");
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.json().at("/results/0/status").asText()).isEqualTo("refused");
        assertThat(refused.json().at("/results/0/reason").asText()).isEqualTo("expired");
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[0]).isEqualTo(400_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aClaimOnAScripPastItsGraceReturnsItWithoutWaitingForTheSweep() throws Exception {
        String jti = scrip(500_000);
        clock.advance(Duration.ofHours(1).plus(GRACE));

        Answer refused = redeem(jti, "100000");

        assertThat(refused.json().at("/results/0/reason").asText()).isEqualTo("expired");
        Accounts.Account account = broker.accounts().account(buyer.account(), 10).orElseThrow();
        assertThat(account.balance()).isEqualTo(5_000_000);
        assertThat(account.reserved()).isZero();
        assertThat(account.scrip().get(0).status()).isEqualTo("returned");
        assertThat(broker.returnExpiredScrip()).isZero();
    }

    @Test
    void theBuyersAccountPageReturnsItsOwnExpiredScrip() {
        String jti = scrip(500_000);
        clock.advance(Duration.ofHours(1).plus(GRACE));

        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());

        assertThat(me.micros("balance")).isEqualTo(5_000_000);
        assertThat(me.json().at("/scrip/0/jti").asText()).isEqualTo(jti);
        assertThat(me.json().at("/scrip/0/status").asText()).isEqualTo("returned");
    }

    @Test
    void theGraceIsConfigurableAndValidated() {
        assertThat(broker.settlementGrace()).isEqualTo(GRACE);
        assertThat(Broker.builder().dataDir(dir).build().settlementGrace()).isEqualTo(Duration.ofHours(24));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Broker.builder()
                .settlementGrace(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
