package dev.tollgate.gateway;

import static dev.tollgate.gateway.TollgateFilterTest.offerOf;
import static dev.tollgate.gateway.TollgateFilterTest.receiptOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.gateway.settlement.FakeRedemptionBroker;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import java.time.Duration;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seller who accepts two brokers, each with its own issuer, keys (real JWKS servers) and redemption endpoint: a
 * buyer of either pays, each broker is settled what its scrip paid, one broker's keys failing closed leaves the other's
 * buyers paying, and no token is ever verified with the keys of a broker it does not claim.
 */
final class SeveralBrokersTest {

    private static final String SECOND = "https://second.test";
    private static final String RULES = GatewayHarness.RULES
            + "  - match: /second-only/**\n    price: 0.02\n    brokers: [second]\n"
            + "  - match: /words/**\n    price: 0.01\n    schemes: [scrip, payword]\n"
            + "  - match: /second-words/**\n    price: 0.01\n    schemes: [scrip, payword]\n    brokers: [second]\n"
            + "  - match: /live/**\n    price: 0.25\n    confirm: online\n";

    @TempDir
    java.nio.file.Path dir;

    private GatewayHarness gateway;
    private TestBroker second;
    private JwksServer secondJwks;
    private FakeRedemptionBroker redeemFirst;
    private FakeRedemptionBroker redeemSecond;
    private OnlineChargeTest.FakeChargeBroker chargeSecond;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        second = new TestBroker(gateway.clock, SECOND, "b-");
        secondJwks = JwksServer.start(second::jwksJson);
        redeemFirst = new FakeRedemptionBroker();
        redeemSecond = new FakeRedemptionBroker(SECOND);
        chargeSecond = new OnlineChargeTest.FakeChargeBroker(SECOND);
        gateway.brokers("brokers:\n" + firstEntry("1m") + String.join("\n",
                "  - id: second",
                "    name: Second Broker",
                "    issuer: " + SECOND,
                "    jwks-url: " + secondJwks.jwksUri(),
                "    token-endpoint: https://second.test/v1/scrip",
                "    redemption-url: " + redeemSecond.redemptionUri(),
                "    charge-url: " + chargeSecond.chargeUri(),
                "    clock-skew: 0s",
                "")).writeConfig(RULES).start();
        redeemFirst.register(gateway.filter.sellerPublicJwk());
        redeemSecond.register(gateway.filter.sellerPublicJwk());
        chargeSecond.register(gateway.filter.sellerPublicJwk());
    }

    /** The first broker's entry of {@code brokers:}, refreshing its keys every {@code keyRefresh}. */
    private String firstEntry(String keyRefresh) {
        return String.join("\n",
                "  - id: test",
                "    name: Test Broker",
                "    issuer: " + TestBroker.ISSUER,
                "    jwks-url: " + gateway.jwks.jwksUri(),
                "    token-endpoint: https://broker.test/v1/scrip",
                "    redemption-url: " + redeemFirst.redemptionUri(),
                "    key-refresh: " + keyRefresh,
                "    max-stale: 2m",
                "    clock-skew: 0s",
                "");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        secondJwks.close();
        redeemFirst.close();
        redeemSecond.close();
        chargeSecond.close();
    }

    /** Pays with {@code token} on {@code network}, agreeing to up to 0.25 USD. */
    private HttpTester.Response pay(String path, String token, String network) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, 250_000,
                network));
    }

    /** Pays with a repeat reference (PROTOCOL.md section 12), agreeing to up to 0.25 USD. */
    private HttpTester.Response payByReference(String path, String reference) throws Exception {
        return gateway.get(path, PaymentHeaders.TOLLGATE_REFERENCE, reference + "; amount=250000");
    }

    private String refusal(HttpTester.Response response) throws Exception {
        assertThat(response.getStatus()).isEqualTo(402);
        return offerOf(response).error();
    }

    @Test
    void aBuyerOfEachBrokerPaysTheSameItemAndEachBrokerIsSettledWhatItsOwnScripPaid() throws Exception {
        // The same jti at both brokers: two scrip, told apart by their issuers.
        String first = gateway.broker.scrip().jti("same").sign();
        String other = second.scrip().jti("same").sign();

        HttpTester.Response paidFirst = pay("/articles/one", first, "tollgate:test");
        HttpTester.Response paidSecond = pay("/articles/one", other, "tollgate:second");
        HttpTester.Response again = pay("/articles/two", other, "tollgate:second");

        assertThat(paidFirst.getStatus()).isEqualTo(200);
        assertThat(receiptOf(paidFirst).network()).isEqualTo("tollgate:test");
        assertThat(receiptOf(paidFirst).extra()).containsEntry("remaining", "50000");
        assertThat(paidSecond.getStatus()).isEqualTo(200);
        assertThat(receiptOf(paidSecond).network()).isEqualTo("tollgate:second");
        assertThat(receiptOf(again).extra()).containsEntry("remaining", "0");
        assertThat(gateway.filter.settlementStatus().unsettledMicros()).isEqualTo(150_000);

        gateway.stop(); // the final batches: one to each broker, of its own scrip only
        assertThat(redeemFirst.redeemed("same")).isEqualTo(50_000);
        assertThat(redeemSecond.redeemed("same")).isEqualTo(100_000);
        assertThat(redeemFirst.rejections()).isEmpty();
        assertThat(redeemSecond.rejections()).isEmpty();
    }

    @Test
    void theOfferListsEachBrokerInTheConfigsOrderAndARuleMayAcceptFewer() throws Exception {
        PaymentRequired offer = offerOf(gateway.get("/articles/one"));

        assertThat(offer.accepts()).extracting(PaymentRequirements::network)
                .containsExactly("tollgate:test", "tollgate:second");
        assertThat(offer.accepts().get(0).extra()).containsEntry("issuer", TestBroker.ISSUER)
                .containsEntry("tokenEndpoint", "https://broker.test/v1/scrip")
                .containsEntry("brokerName", "Test Broker");
        assertThat(offer.accepts().get(1).extra()).containsEntry("issuer", SECOND)
                .containsEntry("tokenEndpoint", "https://second.test/v1/scrip")
                .containsEntry("brokerName", "Second Broker");
        assertThat(offerOf(gateway.get("/words/a")).accepts()).extracting(r -> r.scheme() + " " + r.network())
                .containsExactly("scrip tollgate:test", "payword tollgate:test", "scrip tollgate:second",
                        "payword tollgate:second");
        assertThat(offerOf(gateway.get("/second-only/a")).accepts()).extracting(PaymentRequirements::network)
                .containsExactly("tollgate:second");

        String page = gateway.body(gateway.get("/articles/one", "Accept", "text/html"));
        assertThat(page).contains(">Pay 0.05 USD with Test Broker</a>", ">Pay 0.05 USD with Second Broker</a>",
                "href=\"https://broker.test/pay?seller=seller-1", "href=\"https://second.test/pay?seller=seller-1");
        assertThat(gateway.body(gateway.get("/second-only/a", "Accept", "text/html")))
                .contains(">Pay 0.02 USD with Second Broker</a>").doesNotContain("Test Broker");
    }

    @Test
    void oneBrokersKeysFailingClosedLeaveTheOtherBrokersBuyersPaying() throws Exception {
        assertThat(pay("/articles/one", gateway.broker.scrip().sign(), "tollgate:test").getStatus()).isEqualTo(200);
        assertThat(pay("/articles/one", second.scrip().sign(), "tollgate:second").getStatus()).isEqualTo(200);

        gateway.jwks.down(true);
        gateway.clock.advance(Duration.ofMinutes(3)); // past the first broker's max-stale (2m), not the second's (24h)

        assertThat(refusal(pay("/articles/two", gateway.broker.scrip().sign(), "tollgate:test")))
                .isEqualTo("broker_unavailable");
        assertThat(pay("/articles/two", second.scrip().sign(), "tollgate:second").getStatus()).isEqualTo(200);

        gateway.jwks.down(false);
        gateway.clock.advance(Duration.ofSeconds(31)); // the next on-demand fetch of its keys may go
        assertThat(pay("/articles/three", gateway.broker.scrip().sign(), "tollgate:test").getStatus())
                .isEqualTo(200);
    }

    @Test
    void oneBrokerRotatingItsKeysLeavesTheOtherBrokersBuyersPayingAndTheirKeysUnfetched() throws Exception {
        String oldKid = second.currentKid();
        assertThat(pay("/articles/one", second.scrip().sign(), "tollgate:second").getStatus()).isEqualTo(200);
        assertThat(pay("/articles/one", gateway.broker.scrip().sign(), "tollgate:test").getStatus()).isEqualTo(200);
        int firstFetches = gateway.jwks.requests();

        String newKid = second.rotate();
        second.removeKey(oldKid); // withdrawn: scrip signed with it must stop paying once the keys are fetched again
        gateway.clock.advance(Duration.ofSeconds(31)); // the next fetch on an unknown kid may go

        assertThat(pay("/articles/two", second.scrip().sign(), "tollgate:second").getStatus())
                .as("signed with the new key %s, fetched on demand", newKid).isEqualTo(200);
        assertThat(refusal(pay("/articles/two", second.scrip().signedBy(oldKid).sign(), "tollgate:second")))
                .as("a new scrip signed with the withdrawn key").isEqualTo("unknown_key");
        assertThat(pay("/articles/two", gateway.broker.scrip().sign(), "tollgate:test").getStatus()).isEqualTo(200);
        assertThat(gateway.jwks.requests()).as("the other broker's keys were not fetched for it")
                .isEqualTo(firstFetches);
    }

    @Test
    void aTokenIsVerifiedOnlyWithTheKeysOfTheBrokerWhoseIssuerItClaims() throws Exception {
        long revenue = gateway.filter.report(0).totalMicros();
        // Signed with the first broker's key, claiming the second broker: looked up in the second's keys only.
        assertThat(refusal(pay("/articles/a", gateway.broker.scrip().issuer(SECOND).sign(), "tollgate:second")))
                .isEqualTo("unknown_key");
        assertThat(refusal(pay("/articles/b", gateway.broker.scrip().issuer(SECOND).kid(second.currentKid())
                .sign(), "tollgate:second"))).isEqualTo("invalid_token");
        // Claiming the first broker with a kid only the second has: not in the first's keys.
        assertThat(refusal(pay("/articles/c", gateway.broker.scrip().kid(second.currentKid()).sign(),
                "tollgate:test"))).isEqualTo("unknown_key");

        int fetches = gateway.jwks.requests() + secondJwks.requests();
        assertThat(refusal(pay("/articles/d", gateway.broker.scrip().issuer("https://evil.test").withUnknownKid()
                .sign(), "tollgate:test"))).isEqualTo("wrong_issuer");
        assertThat(gateway.jwks.requests() + secondJwks.requests()).as("no key fetched for an unknown issuer")
                .isEqualTo(fetches);

        String good = gateway.broker.scrip().sign();
        assertThat(refusal(pay("/articles/e", good, "tollgate:second"))).as("sent on another broker's network")
                .isEqualTo("wrong_issuer");
        assertThat(refusal(pay("/articles/e", good, "tollgate:other"))).isEqualTo("malformed_payment");
        assertThat(refusal(pay("/second-only/e", good, "tollgate:test"))).as("a broker the rule does not accept")
                .isEqualTo("malformed_payment");
        assertThat(gateway.filter.report(0).totalMicros()).isEqualTo(revenue);
        assertThat(pay("/second-only/e", second.scrip().sign(), "tollgate:second").getStatus()).isEqualTo(200);
    }

    @Test
    void aPayWordChainPaysOnTheNetworkOfTheBrokerThatCertifiedItOnly() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(second);

        HttpTester.Response wrongNetwork = gateway.get("/words/a", PaymentHeaders.PAYMENT_SIGNATURE,
                buyer.on("tollgate:test").payWithCommitment(1));
        HttpTester.Response paid = gateway.get("/words/a", PaymentHeaders.PAYMENT_SIGNATURE,
                buyer.on("tollgate:second").payWithCommitment(1));

        assertThat(refusal(wrongNetwork)).isEqualTo("wrong_issuer");
        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(receiptOf(paid).network()).isEqualTo("tollgate:second");
        assertThat(gateway.get("/words/b", PaymentHeaders.PAYMENT_SIGNATURE, buyer.payById(2)).getStatus())
                .as("by id, from the ledger under the second broker's issuer").isEqualTo(200);
    }

    private static String compact(String brokerId, PayWordBuyer buyer, int index) {
        return new CompactWord(brokerId, buyer.commitmentId(), index, buyer.chain().word(index), 1_000_000, null)
                .header();
    }

    @Test
    void aCompactWordNamingAnotherBrokerThanTheChainsIsRefusedAndChargesNothing() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(second).on("tollgate:second");
        assertThat(gateway.get("/words/a", PaymentHeaders.PAYMENT_SIGNATURE, buyer.payWithCommitment(1))
                .getStatus()).isEqualTo(200);
        long charged = gateway.filter.report(0).totalMicros();

        // Cached: the chain is found by its id, and its broker is not the one the header names.
        assertThat(refusal(gateway.get("/words/b", PaymentHeaders.TOLLGATE_PAYWORD, compact("test", buyer, 2))))
                .isEqualTo("wrong_issuer");
        gateway.stop();
        gateway.start();
        // Not cached: the ledger is asked for the chain under the named broker's issuer, which recorded none.
        assertThat(refusal(gateway.get("/words/b", PaymentHeaders.TOLLGATE_PAYWORD, compact("test", buyer, 2))))
                .isEqualTo("unknown_commitment");

        assertThat(gateway.filter.report(0).totalMicros()).isEqualTo(charged);
        assertThat(gateway.get("/words/b", PaymentHeaders.TOLLGATE_PAYWORD, compact("second", buyer, 2))
                .getStatus()).as("the word was not spent").isEqualTo(200);
    }

    @Test
    void aCompactWordOfABrokerTheRuleDoesNotAcceptIsRefusedAndChargesNothing() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(gateway.broker);
        assertThat(gateway.get("/words/a", PaymentHeaders.PAYMENT_SIGNATURE, buyer.payWithCommitment(1))
                .getStatus()).isEqualTo(200);
        long charged = gateway.filter.report(0).totalMicros();

        HttpTester.Response refused = gateway.get("/second-words/a", PaymentHeaders.TOLLGATE_PAYWORD,
                compact("test", buyer, 2));

        assertThat(refusal(refused)).isEqualTo("malformed_payment");
        assertThat(refused.getContent()).contains("not sold for payments at");
        assertThat(gateway.filter.report(0).totalMicros()).isEqualTo(charged);
    }

    @Test
    void anOnlineChargeIsConfirmedByTheBrokerThatIssuedTheScripAndOneUnreachableBlocksOnlyItsOwn() throws Exception {
        String other = second.scrip().jti("online-2").budget("1000000").sign();

        HttpTester.Response confirmed = pay("/live/a", other, "tollgate:second");
        HttpTester.Response unconfirmed = pay("/live/a", gateway.broker.scrip().budget("1000000").sign(),
                "tollgate:test");

        assertThat(confirmed.getStatus()).isEqualTo(200);
        assertThat(chargeSecond.charges()).singleElement().satisfies(charge -> {
            assertThat(charge.path("scrip").asText()).isEqualTo("online-2");
            assertThat(charge.path("aud").asText()).isEqualTo(SECOND);
        });
        assertThat(chargeSecond.rejections()).isEmpty();
        // The first broker's charge URL (https://broker.test/v1/charges) cannot be reached: its scrip fails closed.
        assertThat(unconfirmed.getStatus()).isEqualTo(503);
        assertThat(pay("/live/b", other, "tollgate:second").getStatus()).isEqualTo(200);
    }

    @Test
    void oneBrokerRefusingBatchesDelaysNoOtherBrokersClaims() throws Exception {
        redeemFirst.answer503(true);
        assertThat(pay("/articles/one", gateway.broker.scrip().jti("first").sign(), "tollgate:test").getStatus())
                .isEqualTo(200);
        assertThat(pay("/articles/one", second.scrip().jti("second").sign(), "tollgate:second").getStatus())
                .isEqualTo(200);

        gateway.stop();

        assertThat(redeemFirst.redeemed("first")).isZero();
        assertThat(redeemSecond.redeemed("second")).isEqualTo(50_000);
    }

    @Test
    void aRepeatReferencePaysOnlyWhereTheRuleAcceptsItsBrokerAndNamesItsOwnBroker() throws Exception {
        String first = gateway.broker.scrip().jti("ref-first").budget("200000").sign();
        String other = second.scrip().jti("ref-second").budget("200000").sign();
        String firstReference = (String) receiptOf(pay("/articles/one", first, "tollgate:test")).extra()
                .get("reference");
        String otherReference = (String) receiptOf(pay("/articles/one", other, "tollgate:second")).extra()
                .get("reference");

        HttpTester.Response notAccepted = payByReference("/second-only/a", firstReference);
        HttpTester.Response accepted = payByReference("/second-only/a", otherReference);
        HttpTester.Response renamed = payByReference("/articles/two", firstReference.replace(".test.", ".second."));

        assertThat(refusal(notAccepted)).isEqualTo("malformed_payment");
        assertThat(accepted.getStatus()).isEqualTo(200);
        assertThat(receiptOf(accepted).network()).isEqualTo("tollgate:second");
        assertThat(refusal(renamed)).isEqualTo("invalid_reference"); // a reference binds its broker's issuer
        assertThat(gateway.remaining("ref-first", 200_000)).isEqualTo(150_000);
    }

    @Test
    void aReloadAddsABrokerWhoseScripPaysAndIsSettledAndRemovesOneWhoseNewPaymentsAreRefused() throws Exception {
        String third = "https://third.test";
        TestBroker thirdBroker = new TestBroker(gateway.clock, third, "c-");
        try (JwksServer thirdJwks = JwksServer.start(thirdBroker::jwksJson);
             FakeRedemptionBroker redeemThird = new FakeRedemptionBroker(third)) {
            redeemThird.register(gateway.filter.sellerPublicJwk());
            String before = second.scrip().jti("before").sign();
            assertThat(pay("/articles/one", before, "tollgate:second").getStatus()).isEqualTo(200);
            int firstFetches = gateway.jwks.requests();

            gateway.brokers("brokers:\n" + firstEntry("50s") + String.join("\n",
                    "  - id: third",
                    "    name: Third Broker",
                    "    issuer: " + third,
                    "    jwks-url: " + thirdJwks.jwksUri(),
                    "    token-endpoint: https://third.test/v1/scrip",
                    "    redemption-url: " + redeemThird.redemptionUri(),
                    "    clock-skew: 0s",
                    "")).writeConfig(GatewayHarness.RULES);
            ConfigReloadTest.awaitTrue(() -> offerOf(gateway.get("/articles/one")).accepts().size() == 2
                    && offerOf(gateway.get("/articles/one")).accepts().get(1).network().equals("tollgate:third"));

            assertThat(gateway.filter.lastReloadProblem()).isEmpty();
            assertThat(thirdJwks.requests()).as("the added broker's keys were fetched before it was offered")
                    .isPositive();
            assertThat(gateway.jwks.requests()).as("new key settings: the first broker's keys fetched anew")
                    .isGreaterThan(firstFetches);
            assertThat(pay("/articles/one", thirdBroker.scrip().jti("added").sign(), "tollgate:third").getStatus())
                    .isEqualTo(200);
            assertThat(pay("/articles/two", gateway.broker.scrip().jti("kept").sign(), "tollgate:test").getStatus())
                    .isEqualTo(200);
            assertThat(refusal(pay("/articles/two", second.scrip().jti("after").sign(), "tollgate:second")))
                    .as("the removed broker's network is no longer accepted").isEqualTo("malformed_payment");
            assertThat(refusal(pay("/articles/two", before, "tollgate:second"))).as("nor its scrip seen before")
                    .isEqualTo("malformed_payment");
            assertThat(gateway.filter.settlementByBroker()).extracting(BrokerSettlement::id,
                    BrokerSettlement::accepted).containsExactly(tuple("test", true), tuple("third", true),
                    tuple("second", false));

            gateway.stop(); // the final batches, the removed broker's included
            assertThat(redeemThird.redeemed("added")).isEqualTo(50_000);
            assertThat(redeemFirst.redeemed("kept")).isEqualTo(50_000);
            assertThat(redeemSecond.redeemed("before")).isEqualTo(50_000);
            assertThat(redeemSecond.redeemed("after")).isZero();
        }
    }

    @Test
    void theSalesReportAndTheSettlementStatusGiveEachBrokersTotalsAddingUpToTheOverallOnes() throws Exception {
        assertThat(pay("/articles/one", gateway.broker.scrip().jti("a").sign(), "tollgate:test").getStatus())
                .isEqualTo(200);
        String other = second.scrip().jti("b").sign();
        assertThat(pay("/articles/one", other, "tollgate:second").getStatus()).isEqualTo(200);
        assertThat(pay("/second-only/x", other, "tollgate:second").getStatus()).isEqualTo(200);
        PayWordBuyer chain = new PayWordBuyer(second).on("tollgate:second");
        assertThat(gateway.get("/words/a", PaymentHeaders.PAYMENT_SIGNATURE, chain.payWithCommitment(1))
                .getStatus()).isEqualTo(200);

        SalesReport report = gateway.filter.report(10);

        assertThat(report.byBroker()).extracting(SalesReport.Broker::id, SalesReport.Broker::name,
                SalesReport.Broker::revenueMicros, SalesReport.Broker::charges, SalesReport.Broker::unsettledMicros)
                .containsExactly(tuple("test", "Test Broker", 50_000L, 1L, 50_000L),
                        tuple("second", "Second Broker", 80_000L, 3L, 80_000L));
        assertThat(report.totalMicros()).isEqualTo(130_000);
        assertThat(report.unsettledMicros()).isEqualTo(130_000);
        assertThat(gateway.filter.settlementByBroker()).extracting(BrokerSettlement::id,
                b -> b.status().unsettledMicros(), b -> b.status().unsettledScrip())
                .containsExactly(tuple("test", 50_000L, 1), tuple("second", 70_000L, 1));
        assertThat(gateway.filter.settlementStatus().unsettledMicros()).as("scrip only, as before")
                .isEqualTo(120_000);
    }

    @Test
    void whenTheCookiesScripRunsOutThePageOffersATopUpAtItsBrokerOnly() throws Exception {
        String token = second.scrip().budget("60000").sign();
        assertThat(gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE, token, null))
                .getStatus()).isEqualTo(200);

        HttpTester.Response page = gateway.get("/articles/two", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE,
                token, null, "Accept", "text/html"));

        assertThat(page.getStatus()).isEqualTo(402);
        java.util.regex.Matcher link = BrowserFlowTest.PAY_LINK.matcher(gateway.body(page));
        assertThat(link.find()).isTrue();
        assertThat(link.group(1)).startsWith("https://second.test/pay?");
        assertThat(link.group(2)).isEqualTo("Top up");
        assertThat(link.find()).as("no link to the other broker").isFalse();
        assertThat(gateway.body(page)).contains("to charge more at Second Broker;");
    }
}
