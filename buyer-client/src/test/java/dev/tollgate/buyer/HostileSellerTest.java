package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
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
}
