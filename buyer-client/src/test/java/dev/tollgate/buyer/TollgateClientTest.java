package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.buyer.LimitExceededException.Limit;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client pays a real gateway with scrip from a real broker, within its limits. */
final class TollgateClientTest {

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

    private PaidResponse<String> get(TollgateClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(shop.url(path)).build(), BodyHandlers.ofString());
    }

    @Test
    void aBudgetLimitedCrawlPaysForArticlesUntilTheTotalLimitStopsIt() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxTotal("0.22").build()).build();

        List<String> read = new ArrayList<>();
        LimitExceededException stopped = null;
        for (int i = 0; i < 10 && stopped == null; i++) {
            try {
                PaidResponse<String> article = get(client, "/articles/" + i);
                assertThat(article.response().statusCode()).isEqualTo(200);
                assertThat(article.body()).isEqualTo("content of /articles/" + i);
                assertThat(article.paidMicros()).isEqualTo(Shop.ARTICLE);
                assertThat(article.receipt().orElseThrow().transaction()).isNotEmpty();
                read.add(article.body());
            } catch (LimitExceededException e) {
                stopped = e;
            }
        }

        assertThat(read).hasSize(4); // 4 × 0.05 = 0.20; a fifth would make 0.25
        assertThat(stopped.limit()).isEqualTo(Limit.TOTAL);
        assertThat(stopped.shortByMicros()).isEqualTo(30_000);
        assertThat(stopped.getMessage()).contains("the total limit").contains("short by 0.03 USD");
        assertThat(client.spentMicros()).isEqualTo(4 * Shop.ARTICLE);
        assertThat(shop.sellerCharged()).isEqualTo(4 * Shop.ARTICLE);
        assertThat(client.report().totalMicros()).isEqualTo(4 * Shop.ARTICLE);
    }

    @Test
    void aPriceAboveThePerRequestLimitIsRefusedBeforePaying() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxPerRequest("0.10").build()).build();

        assertThatThrownBy(() -> get(client, "/reports/annual"))
                .isInstanceOfSatisfying(LimitExceededException.class, e -> {
                    assertThat(e.limit()).isEqualTo(Limit.PER_REQUEST);
                    assertThat(e.priceMicros()).isEqualTo(500_000);
                    assertThat(e.shortByMicros()).isEqualTo(400_000);
                });

        assertThat(client.walletState().scrip()).as("no scrip was bought").isEmpty();
        assertThat(shop.sellerCharged()).isZero();
        assertThat(get(client, "/articles/cheap").paidMicros()).isEqualTo(Shop.ARTICLE);
    }

    @Test
    void aPerSellerAndAWindowLimitStopPaymentsToo() throws Exception {
        TollgateClient perSeller = shop.client(SpendingLimits.builder("USD").maxPerSeller("0.10").build()).build();
        get(perSeller, "/articles/1");
        get(perSeller, "/articles/2");
        assertThatThrownBy(() -> get(perSeller, "/articles/3")).isInstanceOfSatisfying(
                LimitExceededException.class, e -> assertThat(e.limit()).isEqualTo(Limit.PER_SELLER));

        TollgateClient windowed = shop.client(SpendingLimits.builder("USD")
                .maxPerWindow("0.05", java.time.Duration.ofHours(1)).build()).build();
        get(windowed, "/articles/4");
        assertThatThrownBy(() -> get(windowed, "/articles/5")).isInstanceOfSatisfying(
                LimitExceededException.class, e -> assertThat(e.limit()).isEqualTo(Limit.PER_WINDOW));
    }

    @Test
    void oneScripPaysUntilItsBudgetIsSpentThenANewOneIsBought() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).requestsPerScrip(3).build();

        for (int i = 0; i < 3; i++) {
            get(client, "/articles/" + i);
        }
        assertThat(client.walletState().scrip()).as("the first scrip is used up and gone").isEmpty();
        get(client, "/articles/3");

        List<ScripEntry> scrip = client.walletState().scrip();
        assertThat(scrip).hasSize(1);
        assertThat(scrip.get(0).budget).isEqualTo(3 * Shop.ARTICLE);
        assertThat(scrip.get(0).spent).isEqualTo(Shop.ARTICLE);
        assertThat(shop.sellerCharged()).isEqualTo(4 * Shop.ARTICLE);
    }

    @Test
    void scripSpentElsewhereMidSessionIsRenewedWithoutFailingTheRequest() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).requestsPerScrip(10).build();
        get(client, "/articles/0");
        ScripEntry first = client.walletState().scrip().get(0);
        // Another program with the same scrip spends the rest of its budget behind this client's back.
        TollgateClient other = shop.client(SpendingLimits.builder("USD").build()).build();
        other.walletState().add(new ScripEntry(Shop.SELLER, first.origin, first.token, first.jti, first.budget, first.expiresAt,
                first.spent));
        for (int i = 1; i < 10; i++) {
            get(other, "/articles/other-" + i);
        }

        PaidResponse<String> renewed = get(client, "/articles/after");

        assertThat(renewed.response().statusCode()).isEqualTo(200);
        assertThat(renewed.paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(client.walletState().scrip()).extracting(e -> e.jti).doesNotContain(first.jti);
        // What the refusal shows spent of its scrip counts, as a receipt's extra.remaining does: the client cannot
        // tell another program from a seller claiming the rest.
        assertThat(client.spentMicros()).isEqualTo(11 * Shop.ARTICLE);
    }

    @Test
    void sixteenThreadsSharingOneClientNeverOverspend() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").maxTotal("1.00").build())
                .requestsPerScrip(7).build();
        AtomicInteger paid = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 3; i++) {
                        try {
                            PaidResponse<String> r = get(client, "/articles/t" + thread + "-" + i);
                            assertThat(r.response().statusCode()).isEqualTo(200);
                            paid.incrementAndGet();
                        } catch (LimitExceededException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(paid.get()).isEqualTo(20); // 1.00 / 0.05
        assertThat(refused.get()).isEqualTo(28);
        assertThat(shop.sellerCharged()).isEqualTo(1_000_000);
        assertThat(client.spentMicros()).isEqualTo(1_000_000);
        assertThat(client.report().receipts()).hasSize(20);
    }

    @Test
    void aPerStreamVideoIsPaidOnceForAllItsRequests() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();

        PaidResponse<String> first = get(client, "/videos/abc/720p.mp4");
        PaidResponse<String> second = get(client, "/videos/abc/seg-2.ts");

        assertThat(first.paidMicros()).isEqualTo(Shop.VIDEO);
        assertThat(second.paidMicros()).isZero();
        assertThat(second.receipt().orElseThrow().transaction()).isEqualTo(first.receipt().orElseThrow()
                .transaction());
        assertThat(client.spentMicros()).isEqualTo(Shop.VIDEO);
    }
}
