package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tollgate.broker.Seller;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seller (or whoever answers in its place) that lies to the client: the client never gives away more than its
 * limits, whatever the 402s and receipts say.
 */
final class HostileSellerTest {

    @TempDir
    Path dir;

    private Shop shop;

    @BeforeEach
    void start() throws Exception {
        shop = Shop.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        shop.close();
    }

    private static long budgets(HostileSeller seller) {
        return seller.tokens().stream().mapToLong(HostileSeller::budget).sum();
    }

    @Test
    void aSellerThatRefusesEveryScripAsSpentGetsNoMoreScripThanTheLimitsAllow() throws Exception {
        // The seller can claim a whole scrip at the broker whatever it answered: a refusal must not make it free.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxTotal("1.00").build()).build();
        try (HostileSeller seller = new HostileSeller(shop,
                (request, response, offer) -> HostileSeller.refuse(response, offer, "insufficient_budget"))) {
            for (int i = 0; i < 5; i++) {
                HttpRequest request = HttpRequest.newBuilder(seller.url("/articles/" + i)).build();
                catchThrowable(() -> client.send(request, BodyHandlers.ofString()));
            }

            assertThat(seller.tokens()).isNotEmpty();
            assertThat(budgets(seller)).as("scrip handed to the seller").isLessThanOrEqualTo(1_000_000);
            assertThat(client.spentMicros()).isEqualTo(budgets(seller));
        }
    }

    @Test
    void receiptsClaimingHugeAmountsCannotWrapTheLimitsAround() throws Exception {
        // Two receipts of Long.MAX_VALUE each made the client's count of spending wrap around to -2, lifting every
        // limit; a receipt never counts for more than the scrip it was paid with could give.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxTotal("1.00").build()).build();
        CountDownLatch bothPaid = new CountDownLatch(2);
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) -> {
            bothPaid.countDown();
            try {
                bothPaid.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, X402Codec.encodeHeader(new SettlementResponse(true,
                    null, "buyer", "r-1", offer.accepts().get(0).network(), Long.toString(Long.MAX_VALUE),
                    Map.of())));
            response.getWriter().write("paid");
        })) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<PaidResponse<String>>> paid = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    HttpRequest request = HttpRequest.newBuilder(seller.url("/articles/" + i)).build();
                    paid.add(pool.submit(() -> client.send(request, BodyHandlers.ofString())));
                }
                for (Future<PaidResponse<String>> f : paid) {
                    assertThat(f.get().body()).isEqualTo("paid");
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(client.spentMicros()).isPositive().isLessThanOrEqualTo(budgets(seller) * 2);
            HttpRequest more = HttpRequest.newBuilder(shop.url("/articles/more")).build();
            assertThat(catchThrowable(() -> client.send(more, BodyHandlers.ofString())))
                    .isInstanceOf(LimitExceededException.class);
            assertThat(client.report().totalMicros()).isPositive();
        }
    }

    @Test
    void aRefusalWithAnEndlessBodyIsNotReadIntoMemory() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) ->
                response.getWriter().write("paid"))) {
            seller.refusalBodyBytes = 1L << 30;

            PaidResponse<String> paid = client.send(HttpRequest.newBuilder(seller.url("/articles/1")).build(),
                    BodyHandlers.ofString());

            assertThat(paid.body()).isEqualTo("paid");
            assertThat(seller.refusalBytesWritten.get()).as("bytes of the 402's body sent").isLessThan(16L << 20);
        }
    }

    @Test
    void anotherSiteNamingTheShopAsItsPayeeNeverGetsTheShopsScripOrWords() throws Exception {
        // Scrip and PayWord words are bearer money at the seller they name: whoever holds them can spend them there.
        for (boolean payWord : new boolean[] {false, true}) {
            TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(payWord)
                    .build();
            client.send(HttpRequest.newBuilder(shop.url("/articles/at-the-shop")).build(), BodyHandlers.ofString());
            try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) ->
                    response.getWriter().write("paid"))) {

                client.send(HttpRequest.newBuilder(seller.url("/articles/elsewhere")).build(),
                        BodyHandlers.ofString());

                assertThat(seller.payments).hasSize(1);
                Map<String, Object> paid = seller.payments.get(0).payload();
                assertThat(client.walletState().scrip()).as("payWord %s", payWord)
                        .noneMatch(e -> e.origin.equals(shop.base.toString()) && e.token.equals(paid.get("token")));
                assertThat(client.walletState().payword.chains()).as("payWord %s", payWord)
                        .noneMatch(c -> c.origin.equals(shop.base.toString())
                                && (c.commitmentId.equals(paid.get("commitmentId"))
                                        || c.commitment.equals(paid.get("commitment"))));
            }
        }
    }

    @Test
    void aSiteNamingAnotherSellerForEachRequestGetsNoMoreScripThanTheLimitsAllow() throws Exception {
        // Each new payee gets new scrip, sized for many requests: the seller can claim all of it whatever its
        // receipts say, so what the client holds unspent must fit in the limits with what it has spent.
        for (int i = 0; i < 10; i++) {
            String key = Base64.getEncoder().encodeToString(
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
            shop.broker.registerSeller(Seller.of("seller-" + i, "Seller " + i, key, List.of("https://s" + i + ".test")));
        }
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxTotal("1.00").build()).build();
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) -> {
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, X402Codec.encodeHeader(new SettlementResponse(true,
                    null, "buyer", "r-" + request.getRequestURI(), offer.accepts().get(0).network(),
                    offer.accepts().get(0).amount(), Map.of())));
            response.getWriter().write("paid");
        })) {
            seller.payTo = path -> "seller-" + path.substring(path.lastIndexOf('/') + 1);
            Throwable last = null;
            for (int i = 0; i < 10; i++) {
                HttpRequest request = HttpRequest.newBuilder(seller.url("/articles/" + i)).build();
                last = catchThrowable(() -> client.send(request, BodyHandlers.ofString()));
            }

            assertThat(seller.tokens()).isNotEmpty();
            assertThat(budgets(seller)).as("scrip handed to the site").isLessThanOrEqualTo(1_000_000);
            assertThat(last).isInstanceOfSatisfying(LimitExceededException.class,
                    e -> assertThat(e.limit()).isEqualTo(LimitExceededException.Limit.TOTAL));
        }
    }

    @Test
    void aPriceAboveTheLargestScripIsRefusedBeforeBuyingAny() throws Exception {
        // The broker issues scrip of at most 100.00: a larger price used to buy a 100.00 scrip (reserving it at the
        // broker until its expiry) on every request, and fail on it.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) ->
                response.getWriter().write("paid"))) {
            seller.amount = "200000000";
            HttpRequest request = HttpRequest.newBuilder(seller.url("/articles/dear")).build();

            assertThat(catchThrowable(() -> client.send(request, BodyHandlers.ofString())))
                    .isInstanceOfSatisfying(PaymentRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo("no_payable_offer"));
            assertThat(client.walletState().scrip()).isEmpty();
            assertThat(seller.payments).isEmpty();
        }
    }

    @Test
    void aRedirectOfAPaidRequestNeverTakesThePaymentElsewhere() throws Exception {
        // The JDK's client sends a request's headers on to wherever a redirect points, another host too.
        try (HostileSeller elsewhere = new HostileSeller(shop, (request, response, offer) -> { });
             HostileSeller seller = new HostileSeller(shop, (request, response, offer) ->
                     response.sendRedirect(elsewhere.url("/articles/taken").toString()))) {
            TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();

            client.send(HttpRequest.newBuilder(seller.url("/articles/1")).build(), BodyHandlers.ofString());

            assertThat(seller.payments).hasSize(1);
            assertThat(elsewhere.payments).isEmpty();
            assertThat(catchThrowable(() -> shop.client(SpendingLimits.builder("USD").build())
                    .httpClient(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build())))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not follow redirects");
        }
    }

    @Test
    void aMeteredDownloadStopsWhenTheSellerChargesForBytesItDidNotSend() throws Exception {
        // Each answer claims a full chunk of units and sends one byte: without the check the client paid a chunk per
        // byte until a limit stopped it.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) -> {
            long start = 0;
            String range = request.getHeader("Range");
            if (range != null) {
                start = Long.parseLong(range.replaceAll("bytes=(\\d+)-.*", "$1"));
            }
            response.setStatus(206);
            response.setHeader("Content-Range", "bytes " + start + "-" + start + "/100000");
            response.setHeader(PaymentHeaders.PAYMENT_RESPONSE, X402Codec.encodeHeader(new SettlementResponse(true,
                    null, "buyer", "r-" + start, "tollgate:test", "80000", Map.of("remaining", "0",
                    "charge", "metered", "unit", 1024, "units", 8, "limit", 8192, "length", 100000, "cut", true))));
            response.getOutputStream().write('x');
        })) {
            Throwable thrown = catchThrowable(() -> client.download(seller.url("/files/100000"),
                    dir.resolve("out.bin"), null));

            assertThat(thrown).isInstanceOf(OverchargedException.class)
                    .hasMessageContaining("charged 8 units of 1024 bytes but sent 1 bytes");
            assertThat(seller.payments).as("paid requests").hasSize(1);
        }
    }

    @Test
    void aSellerIdTooLongToKeepIsNotPaid() throws Exception {
        // The seller id is kept with every scrip and chain in the wallet file: a 12 KB one per chain could push the
        // file past what the wallet reads, locking the buyer out of its own scrip.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        try (HostileSeller seller = new HostileSeller(shop, (request, response, offer) -> response.setStatus(200))) {
            seller.payTo = path -> "s".repeat(Offer.MAX_SELLER_CHARS + 1);

            Throwable thrown = catchThrowable(() -> client.send(HttpRequest.newBuilder(seller.url("/articles/long"))
                    .build(), BodyHandlers.ofString()));

            assertThat(thrown).isInstanceOfSatisfying(PaymentRefusedException.class,
                    e -> assertThat(e.code()).isEqualTo("no_payable_offer"));
            assertThat(seller.payments).isEmpty();
            assertThat(client.spentMicros()).isZero();
        }
    }
}
