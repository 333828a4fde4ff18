package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paid request whose answer is lost after the seller charged it. The JDK HttpClient resends the GET by itself
 * (same PAYMENT-SIGNATURE) when the connection closes before any byte of the answer, so the client sees either its
 * own retry or that resend's answer; either way it pays once (scrip per click under x402's payment identifier, a
 * stream on its entitlement, a PayWord word once), and counts what was charged.
 */
final class LostAnswerTest {

    @TempDir
    Path dir;

    private Shop shop;
    private AnswerDroppingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        shop = Shop.start(dir);
        proxy = new AnswerDroppingProxy(shop.base);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        shop.close();
    }

    private PaidResponse<String> get(TollgateClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.url(path)).build(), BodyHandlers.ofString());
    }

    @Test
    void aPerStreamRequestWhoseAnswerWasLostIsRetriedAndPaidOnce() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        proxy.dropNextPaidAnswer();

        PaidResponse<String> video = get(client, "/videos/lost/720p.mp4");

        assertThat(video.body()).isEqualTo("content of /videos/lost/720p.mp4");
        assertThat(shop.sellerCharged()).isEqualTo(Shop.VIDEO);
        assertThat(client.spentMicros()).isEqualTo(Shop.VIDEO);
    }

    @Test
    void aPayWordRequestWhoseAnswerWasLostIsNotPaidAgain() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(true).build();
        get(client, "/articles/first");
        proxy.dropNextPaidAnswer();

        assertThatThrownBy(() -> get(client, "/articles/lost"))
                .isInstanceOfSatisfying(PaymentOutcomeUnknownException.class,
                        e -> assertThat(e.atRiskMicros()).isEqualTo(Shop.ARTICLE))
                .hasMessageContaining("not paying again");


        assertThat(shop.sellerCharged()).isEqualTo(2 * Shop.ARTICLE);
        assertThat(client.spentMicros()).isEqualTo(2 * Shop.ARTICLE);
        assertThat(get(client, "/articles/next").paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(shop.sellerCharged()).isEqualTo(3 * Shop.ARTICLE);
    }

    @Test
    void aPerClickScripRequestWhoseAnswerWasLostIsPaidOnceUnderItsPaymentIdentifier() throws Exception {
        // The seller advertises x402's payment-identifier: the resend (the JDK's own, or the client's) carries the
        // same identifier, and the seller answers it with the first charge's receipt.
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        proxy.dropNextPaidAnswer();

        PaidResponse<String> article = get(client, "/articles/lost");

        assertThat(article.body()).isEqualTo("content of /articles/lost");
        assertThat(shop.sellerCharged()).isEqualTo(Shop.ARTICLE);
        assertThat(client.spentMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(article.paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(get(client, "/articles/next").paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(shop.sellerCharged()).isEqualTo(2 * Shop.ARTICLE);
        assertThat(client.spentMicros()).isEqualTo(2 * Shop.ARTICLE);
    }

    @Test
    void aPayWordWordPaidFromTheChainsCreditIsNotSentAgainWhenItsAnswerIsLost() throws Exception {
        // A word at the chain's head is charged from the chain's credit each time it arrives, whatever payment
        // identifier comes with it: sent again while the credit still covers the price, it pays twice. The client
        // must not send it again itself. The JDK's HttpClient resends a GET once on its own when the connection
        // closes before any byte of the answer, and no setting turns that off: both answers are dropped here, and
        // that resend is charged too (a known gap: the gateway keeps no payment identifier for words).
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(true)
                .meteredUnitsPerRequest(4).build();
        assertThat(get(client, "/files/1024").paidMicros()).isEqualTo(Shop.KIB_PRICE); // 4 words paid, 1 used
        assertThat(client.walletState().payword.chains().get(0).credit()).isEqualTo(3 * Shop.KIB_PRICE);
        int paidBefore = proxy.paidRequests();
        proxy.dropNextPaidAnswers(2); // the client's request and the JDK's own resend

        assertThatThrownBy(() -> get(client, "/notes/lost"))
                .isInstanceOfSatisfying(PaymentOutcomeUnknownException.class, // the words were counted when paid
                        e -> assertThat(e.atRiskMicros()).isZero());

        assertThat(proxy.paidRequests() - paidBefore).as("the client sent the word once").isEqualTo(2);
        assertThat(shop.sellerCharged()).as("once by the client's request, once by the JDK's resend")
                .isEqualTo(Shop.KIB_PRICE + 2 * Shop.NOTE);
    }
}
