package dev.tollgate.broker;

import static dev.tollgate.broker.BrowserClient.payParams;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.BrowserClient.Page;

/** Buyer logins: demo buyers, the login form, sessions and the login throttle. */
final class BrowserLoginTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private DemoBuyer alice;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        broker.registerSeller(Seller.of(TestBrokers.SELLER, "The Daily Byte", TestBrokers.newSellerKey(),
                java.util.List.of("https://news.example")));
        alice = broker.createDemoBuyer("Alice", 5_000_000);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aDemoBuyerGetsARandomPrintablePasswordAndOnlyItsHashIsStored() throws Exception {
        DemoBuyer bob = broker.createDemoBuyer("bob", 1_000_000);

        assertThat(alice.username()).isEqualTo("alice");
        assertThat(alice.password()).hasSize(20).matches("[A-Za-z2-9]+").isNotEqualTo(bob.password());
        assertThat(alice.apiKey()).startsWith("tgk." + alice.account() + ".");
        assertThat(alice.toString()).doesNotContain(alice.password()).doesNotContain(alice.apiKey());
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey()).micros("balance"))
                .isEqualTo(5_000_000);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Database.FILE));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT buyer, length(salt), iterations, password_hash FROM"
                     + " buyer_logins WHERE username = 'alice'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(alice.account());
            assertThat(rs.getInt(2)).isEqualTo(16);
            assertThat(rs.getInt(3)).isGreaterThanOrEqualTo(210_000);
            assertThat(new String(rs.getBytes(4), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain(alice.password());
        }
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aTakenOrMalformedUsernameAndABrokerOutsideDemoModeAreRefused() {
        assertThatThrownBy(() -> broker.createDemoBuyer("ALICE", 1_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already taken");
        assertThatThrownBy(() -> broker.createDemoBuyer("a b", 1_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("username");
        assertThatThrownBy(() -> broker.createDemoBuyer("carol", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deposit");
        broker.close();
        try (Broker production = TestBrokers.builder(dir).clock(clock).build()) {
            assertThatThrownBy(() -> production.createDemoBuyer("carol", 1_000))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("demo mode");
        }
    }

    @Test
    void withoutASessionThePaymentPageAsksForALogin() {
        BrowserClient browser = new BrowserClient(broker);

        Page page = browser.pay(payParams(Map.of()));

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>Log in to pay The Daily Byte</h1>")
                .contains("<label for=\"username\">").contains("<label for=\"password\">")
                .contains("<html lang=\"en\">").doesNotContain("Allow");
        assertThat(page.formAction()).isEqualTo("/pay/login");
        assertThat(page.hidden()).containsEntry("state", BrowserClient.STATE).containsKey("csrf");
        assertThat(BrowserClient.setCookies(page)).anySatisfy(c -> assertThat(c)
                .startsWith(LoginPage.LOGIN_COOKIE + "=").contains("HttpOnly").contains("Secure"));
    }

    @Test
    void theRightPasswordStartsASessionAndLeadsToTheConsentPage() {
        BrowserClient browser = new BrowserClient(broker);
        Page login = browser.pay(payParams(Map.of()));

        Page after = browser.login(login, "alice", alice.password());

        assertThat(after.status()).isEqualTo(303);
        assertThat(after.header("Location")).startsWith("/pay?seller=daily-byte&");
        String cookie = BrowserClient.setCookies(after).stream()
                .filter(c -> c.startsWith("tollgate_session=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("Secure").contains("SameSite=Lax").contains("Path=/");
        assertThat(browser.cookies.get("tollgate_session")).matches("[A-Za-z0-9_-]{43}");
        Page consent = browser.get(after.header("Location"));
        assertThat(consent.status()).isEqualTo(200);
        assertThat(consent.body()).contains("Allow The Daily Byte to charge up to").contains("5.00 USD");
    }

    @Test
    void aWrongPasswordOrUnknownUserIsRefusedAlikeAndStartsNoSession() {
        BrowserClient browser = new BrowserClient(broker);
        Page login = browser.pay(payParams(Map.of()));

        Page wrong = browser.login(login, "alice", alice.password() + "x");
        Page unknown = browser.login(login, "mallory", alice.password());

        assertThat(wrong.status()).isEqualTo(403);
        assertThat(unknown.status()).isEqualTo(403);
        assertThat(wrong.body()).contains("The username or password is wrong.").contains("Log in to pay");
        assertThat(unknown.body()).contains("The username or password is wrong.");
        assertThat(browser.cookies).doesNotContainKey("tollgate_session");
    }

    @Test
    void aLoginWithoutTheLoginCookieIsRefused() {
        BrowserClient browser = new BrowserClient(broker);
        Page login = browser.pay(payParams(Map.of()));
        browser.cookies.clear();

        Page after = browser.login(login, "alice", alice.password());

        assertThat(after.status()).isEqualTo(403);
        assertThat(browser.cookies).doesNotContainKey("tollgate_session");
    }

    @Test
    void fiveFailuresForAUsernameThrottleItForFiveMinutesEvenWithTheRightPassword() {
        BrowserClient browser = new BrowserClient(broker);
        Page login = browser.pay(payParams(Map.of()));
        for (int i = 0; i < BrowserSessions.MAX_FAILURES; i++) {
            assertThat(browser.login(login, "alice", "wrong-" + i).status()).isEqualTo(403);
        }

        Page throttled = browser.login(login, "alice", alice.password());
        DemoBuyer bob = broker.createDemoBuyer("bob", 1_000_000);
        BrowserClient bobsBrowser = new BrowserClient(broker);
        Page otherUser = bobsBrowser.login(bobsBrowser.pay(payParams(Map.of())), "bob", bob.password());

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.body()).contains("Too many failed logins");
        assertThat(otherUser.status()).as("another username is not throttled").isEqualTo(303);

        clock.advance(BrowserSessions.THROTTLE_WINDOW.minusSeconds(1));
        assertThat(browser.login(login, "alice", alice.password()).status()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        assertThat(browser.login(login, "alice", alice.password()).status()).isEqualTo(303);
    }

    @Test
    void concurrentGuessesCannotOverrunTheThrottle() throws Exception {
        BrowserClient browser = new BrowserClient(broker);
        Page login = browser.pay(payParams(Map.of()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String guess = "guess-" + i;
                answers.add(pool.submit(() -> browser.login(login, "alice", guess).status()));
            }
            java.util.List<Integer> statuses = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Integer> a : answers) {
                statuses.add(a.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }

            assertThat(statuses).filteredOn(s -> s == 403).hasSize(BrowserSessions.MAX_FAILURES);
            assertThat(statuses).filteredOn(s -> s == 429).hasSize(12 - BrowserSessions.MAX_FAILURES);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSessionIdleForThirtyMinutesEndsButUseKeepsItAlive() {
        BrowserClient browser = new BrowserClient(broker);
        Page consent = browser.loggedIn(alice, payParams(Map.of()));
        assertThat(consent.body()).contains("Allow");

        clock.advance(BrowserSessions.IDLE_TIMEOUT.minusMinutes(1));
        assertThat(browser.pay(payParams(Map.of())).body()).as("used in time").contains("Allow");
        clock.advance(BrowserSessions.IDLE_TIMEOUT.minusMinutes(1));
        assertThat(browser.pay(payParams(Map.of())).body()).as("idle timer restarted").contains("Allow");
        clock.advance(BrowserSessions.IDLE_TIMEOUT);

        Page expired = browser.pay(payParams(Map.of()));
        assertThat(expired.body()).contains("Log in to pay").doesNotContain("Allow");
        Page late = browser.consent(consent, Map.of("budget", "500000", "action", "allow"));
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.body()).contains("Your session has ended").doesNotContain("name=\"token\"");
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey()).micros("balance"))
                .isEqualTo(5_000_000);
    }

    @Test
    void aMadeUpSessionCookieIsNotASession() {
        BrowserClient browser = new BrowserClient(broker);
        browser.cookies.put("tollgate_session", Secrets.randomToken(32));

        assertThat(browser.pay(payParams(Map.of())).body()).contains("Log in to pay").doesNotContain("Allow");
    }
}
