package dev.tollgate.broker;

import static dev.tollgate.broker.BrowserClient.payParams;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.BrowserClient.Page;
import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.gateway.ledger.ScripAccount;

/** The consent page and {@code POST /pay/consent}: scrip of the chosen budget handed back by a POST form. */
final class BrowserConsentTest {

    @TempDir
    Path dir;

    private Broker broker;
    private DemoBuyer alice;
    private BrowserClient browser;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).sweepInterval(Duration.ZERO).build().start();
        broker.registerSeller(Seller.of(TestBrokers.SELLER, "The Daily Byte", TestBrokers.newSellerKey(),
                List.of("https://news.example")));
        alice = broker.createDemoBuyer("alice", 3_000_000);
        browser = new BrowserClient(broker);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void theConsentPageOffersBudgetsFromThePriceUpToTheBalance() {
        Page consent = browser.loggedIn(alice, payParams(Map.of("price", "750000")));

        assertThat(consent.status()).isEqualTo(200);
        assertThat(consent.body()).contains("<p class=\"brand\">" + Broker.DEFAULT_NAME + "</p>")
                .contains("<h1>Allow The Daily Byte to charge you</h1>")
                .contains("<legend>Allow The Daily Byte to charge up to</legend>")
                .contains("Why micropayments failed, and why they will not again").contains("0.75 USD")
                .contains("<dt>Your balance</dt><dd>3.00 USD</dd>").contains("alice")
                .contains("<small>0.75 USD taken now, 0.25 USD left for later</small>")
                .contains("The allowance lasts 1 hour, until ")
                .contains("value=\"1000000\" checked").contains("value=\"2000000\"")
                .doesNotContain("value=\"500000\"").doesNotContain("value=\"5000000\"")
                .contains("id=\"custom\" name=\"custom\"").contains("class=\"primary\" type=\"submit\" name=\"action\" "
                        + "value=\"allow\">Allow</button>").contains(">Cancel</button>");
        assertThat(consent.formAction()).isEqualTo("/pay/consent");
        assertThat(consent.hidden()).containsKey("csrf").containsEntry("return", BrowserClient.RETURN);
    }

    @Test
    void allowIssuesScripOfTheChosenBudgetAndPostsItToTheReturnAddress() throws Exception {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page handBack = browser.consent(consent, Map.of("budget", "2000000", "action", "allow"));

        assertThat(handBack.status()).isEqualTo(200);
        assertThat(handBack.formAction()).isEqualTo(BrowserClient.RETURN);
        assertThat(handBack.body()).contains("method=\"post\"").contains("Continue to The Daily Byte</button>");
        Map<String, String> fields = handBack.hidden();
        assertThat(fields.keySet()).containsExactly("token", "state");
        assertThat(fields.get("state")).isEqualTo(BrowserClient.STATE);
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            ScripAccount scrip = gateway.verify(fields.get("token"));
            assertThat(scrip.seller()).isEqualTo(TestBrokers.SELLER);
            assertThat(scrip.budgetMicros()).isEqualTo(2_000_000);
            assertThat(scrip.issuer()).isEqualTo(TestBrokers.ISSUER);
            assertThat(Duration.between(java.time.Instant.now(), scrip.expiresAt()))
                    .isBetween(ScripRules.DEFAULT_TTL.minusMinutes(1), ScripRules.DEFAULT_TTL);
        }
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey());
        assertThat(me.micros("balance")).isEqualTo(1_000_000);
        assertThat(me.micros("reserved")).isEqualTo(2_000_000);
        assertThat(me.json().at("/scrip/0/seller").asText()).isEqualTo(TestBrokers.SELLER);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void theHandBackPageSubmitsItselfWithANoncedScriptAndAllowsFormsToTheReturnOrigin() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page handBack = browser.consent(consent, Map.of("budget", "500000", "action", "allow"));

        String csp = handBack.header("Content-Security-Policy");
        java.util.regex.Matcher nonce = java.util.regex.Pattern.compile("script-src 'nonce-([A-Za-z0-9_-]{22})'")
                .matcher(csp);
        assertThat(nonce.find()).as(csp).isTrue();
        assertThat(handBack.body()).contains("<script nonce=\"" + nonce.group(1) + "\">");
        assertThat(csp).contains("form-action 'self' https://news.example;").contains("default-src 'none'");
        assertThat(handBack.header("Cache-Control")).isEqualTo("no-store");
        assertThat(handBack.header("Referrer-Policy")).isEqualTo("no-referrer");
        Page again = browser.consent(browser.pay(payParams(Map.of("state", "another-state-0123456789"))),
                Map.of("budget", "500000", "action", "allow"));
        assertThat(again.header("Content-Security-Policy")).doesNotContain(nonce.group(1));
    }

    @Test
    void aCustomAmountWithinTheBalanceIsIssued() throws Exception {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page handBack = browser.consent(consent, Map.of("budget", "custom", "custom", "1.25", "action", "allow"));

        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(gateway.verify(handBack.hidden().get("token")).budgetMicros()).isEqualTo(1_250_000);
        }
    }

    @Test
    void aTypedAmountWithNoChoiceTickedIsTheAmountAllowed() throws Exception {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page handBack = browser.consent(consent, Map.of("custom", "1.25", "action", "allow"));

        assertThat(handBack.status()).isEqualTo(200);
        assertThat(handBack.hidden()).containsKey("token");
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey());
        assertThat(me.micros("reserved")).isEqualTo(1_250_000);
    }

    @Test
    void theBrokersNameIsOnTheLoginAndConsentPages() throws Exception {
        try (Broker named = TestBrokers.builder(dir.resolve("named")).name("Tollgate Demo Broker").demoMode(true)
                .sweepInterval(Duration.ZERO).build().start()) {
            named.registerSeller(Seller.of(TestBrokers.SELLER, "The Daily Byte", TestBrokers.newSellerKey(),
                    List.of("https://news.example")));
            DemoBuyer bob = named.createDemoBuyer("bob", 3_000_000);
            BrowserClient client = new BrowserClient(named);

            Page login = client.pay(payParams(Map.of()));
            Page consent = client.loggedIn(bob, payParams(Map.of()));

            assertThat(login.body()).contains("<p class=\"brand\">Tollgate Demo Broker</p>",
                    "Log in with your Tollgate Demo Broker account", "<title>Log in to pay The Daily Byte - Tollgate "
                    + "Demo Broker</title>");
            assertThat(consent.body()).contains("<p class=\"brand\">Tollgate Demo Broker</p>",
                    "<title>Pay The Daily Byte - Tollgate Demo Broker</title>");
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestBrokers.builder(dir.resolve("bad"))
                .name("two\nlines").build())).hasMessageContaining("name must be 1 to 100 characters on one line");
    }

    @Test
    void aTypedAmountWithAnotherChoiceCheckedIssuesNothingAndAsksWhichOneIsMeant() throws Exception {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page ambiguous = browser.consent(consent, Map.of("budget", "1000000", "custom", "50", "action", "allow"));

        assertThat(ambiguous.status()).isEqualTo(400);
        assertThat(ambiguous.body()).contains("You typed an amount and also ticked a listed one. Tick &quot;Another amount&quot;");
        assertThat(ambiguous.hidden()).doesNotContainKey("token");
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey());
        assertThat(me.micros("reserved")).as("no scrip was issued").isZero();
    }

    @Test
    void cancelOnTheLoginFormReturnsToTheSellerWithoutALogin() {
        Page login = browser.pay(payParams(Map.of()));
        Map<String, String> form = new HashMap<>(login.hidden());
        form.put("action", "cancel");

        Page handBack = browser.post("/pay/login", form);
        form.remove("csrf");
        Page forged = browser.post("/pay/login", form);

        assertThat(handBack.status()).isEqualTo(200);
        assertThat(handBack.formAction()).isEqualTo(BrowserClient.RETURN);
        assertThat(handBack.hidden()).containsExactly(Map.entry("error", "cancelled"),
                Map.entry("state", BrowserClient.STATE));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(browser.cookies).doesNotContainKey("tollgate_session");
    }

    @Test
    void aBudgetBelowThePriceOrAMalformedAmountShowsTheConsentPageAgainAndIssuesNothing() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page low = browser.consent(consent, Map.of("budget", "100000", "action", "allow"));
        Page malformed = browser.consent(consent, Map.of("budget", "custom", "custom", "1,5", "action", "allow"));

        assertThat(low.status()).isEqualTo(400);
        assertThat(low.body()).contains("The amount must be from 0.25 USD").contains("Allow");
        assertThat(malformed.body()).contains("Enter an amount such as 3.00.");
        assertThat(low.hidden()).doesNotContainKey("token");
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey()).micros("balance"))
                .isEqualTo(3_000_000);
    }

    @Test
    void insufficientFundsShowTheConsentPageAgainWithAClearMessage() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page refused = browser.consent(consent, Map.of("budget", "5000000", "action", "allow"));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("Your balance does not cover 5.00 USD. Choose a smaller amount.")
                .contains("Allow The Daily Byte to charge up to").doesNotContain("name=\"token\"");
        Page accepted = browser.consent(refused, Map.of("budget", "2000000", "action", "allow"));
        assertThat(accepted.hidden()).containsKey("token");
    }

    @Test
    void aBalanceBelowThePriceOffersOnlyCancel() {
        Page consent = browser.loggedIn(alice, payParams(Map.of("price", "4000000")));

        assertThat(consent.body()).contains("Your balance does not cover the price of this item.")
                .doesNotContain(">Allow</button>").contains(">Cancel</button>");
    }

    @Test
    void cancelPostsTheCancellationAndStateBackAndIssuesNothing() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page handBack = browser.consent(consent, Map.of("budget", "500000", "action", "cancel"));

        assertThat(handBack.status()).isEqualTo(200);
        assertThat(handBack.formAction()).isEqualTo(BrowserClient.RETURN);
        assertThat(handBack.hidden()).containsExactly(Map.entry("error", "cancelled"),
                Map.entry("state", BrowserClient.STATE));
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey());
        assertThat(me.micros("balance")).isEqualTo(3_000_000);
        assertThat(me.json().get("scrip")).isEmpty();
    }

    @Test
    void aConsentWithoutOrWithAWrongCsrfTokenIsRefusedAndIssuesNothing() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));
        Map<String, String> form = new HashMap<>(consent.hidden());
        form.put("budget", "500000");
        form.put("action", "allow");

        form.remove("csrf");
        Page missing = browser.post("/pay/consent", form);
        form.put("csrf", Secrets.randomToken(32));
        Page wrong = browser.post("/pay/consent", form);
        BrowserClient mallory = new BrowserClient(broker);
        Page malloryConsent = mallory.loggedIn(broker.createDemoBuyer("mallory", 1_000_000), payParams(Map.of()));
        form.put("csrf", malloryConsent.hidden().get("csrf"));
        Page someoneElses = browser.post("/pay/consent", form);

        for (Page page : List.of(missing, wrong, someoneElses)) {
            assertThat(page.status()).isEqualTo(403);
            assertThat(page.body()).contains("did not come from this broker").doesNotContain("name=\"token\"");
        }
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey()).micros("balance"))
                .isEqualTo(3_000_000);
    }

    @Test
    void aRepeatedAllowHandsBackTheSameScripInsteadOfIssuingASecond() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page first = browser.consent(consent, Map.of("budget", "1000000", "action", "allow"));
        Page second = browser.consent(consent, Map.of("budget", "2000000", "action", "allow"));
        Page cancelAfter = browser.consent(consent, Map.of("action", "cancel"));

        assertThat(second.hidden()).isEqualTo(first.hidden());
        assertThat(cancelAfter.hidden()).isEqualTo(first.hidden());
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey());
        assertThat(me.micros("reserved")).isEqualTo(1_000_000);
        assertThat(me.json().get("scrip")).hasSize(1);
    }

    @Test
    void aStateReusedForAnotherReturnUrlNeverGetsTheTokenHandedBackBefore() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));
        Page first = browser.consent(consent, Map.of("budget", "1000000", "action", "allow"));

        Page elsewhere = browser.consent(consent, Map.of("return", BrowserClient.RETURN + "-elsewhere",
                "budget", "1000000", "action", "allow"));

        assertThat(elsewhere.status()).isEqualTo(200);
        assertThat(elsewhere.hidden().get("token")).isNotNull().isNotEqualTo(first.hidden().get("token"));
    }

    @Test
    void tamperedHiddenFieldsAreValidatedAgain() {
        Page consent = browser.loggedIn(alice, payParams(Map.of()));

        Page offsite = browser.consent(consent, Map.of("return", "https://evil.example/", "budget", "500000",
                "action", "allow"));
        Page noState = browser.consent(consent, Map.of("state", "x", "budget", "500000", "action", "allow"));

        assertThat(offsite.status()).isEqualTo(400);
        assertThat(offsite.body()).doesNotContain("evil.example").doesNotContain("name=\"token\"");
        assertThat(noState.status()).isEqualTo(400);
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", alice.apiKey()).micros("balance"))
                .isEqualTo(3_000_000);
    }
}
