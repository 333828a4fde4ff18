package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PayWord payments and metered downloads against a real gateway, with certificates from a real broker. */
final class PayWordTest {

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

    @Test
    void articlesArePaidWordByWordOnOneChain() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(true).build();

        for (int i = 0; i < 3; i++) {
            PaidResponse<String> r = client.send(HttpRequest.newBuilder(shop.url("/articles/" + i)).build(),
                    BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("content of /articles/" + i);
            assertThat(r.receipt().orElseThrow().scheme()).isEqualTo("payword");
            assertThat(r.paidMicros()).isEqualTo(Shop.ARTICLE);
        }

        ChainEntry chain = client.walletState().payword.chains().get(0);
        assertThat(chain.unit).isEqualTo(Shop.ARTICLE); // one word per article
        assertThat(chain.revealed).isEqualTo(3);
        assertThat(chain.recorded).isTrue();
        assertThat(shop.sellerCharged()).isEqualTo(3 * Shop.ARTICLE);
        // The first word carries the commitment; later ones go in the compact header the offer names.
        assertThat(shop.paidWith).containsExactly("signature", "compact", "compact");
    }

    @Test
    void aCompactWordTheSellerDoesNotKnowIsPaidAgainWithTheCommitment() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(true).build();
        for (int i = 0; i < 2; i++) {
            client.send(HttpRequest.newBuilder(shop.url("/articles/" + i)).build(), BodyHandlers.ofString());
        }
        shop = shop.reopenedWithEmptyLedger(dir.resolve("other")); // the chain is unknown_commitment there

        PaidResponse<String> r = client.send(HttpRequest.newBuilder(shop.url("/articles/2")).build(),
                BodyHandlers.ofString());
        PaidResponse<String> next = client.send(HttpRequest.newBuilder(shop.url("/articles/3")).build(),
                BodyHandlers.ofString());

        assertThat(r.body()).isEqualTo("content of /articles/2");
        assertThat(next.body()).isEqualTo("content of /articles/3");
        assertThat(shop.paidWith).containsExactly("signature", "compact");
        assertThat(shop.sellerCharged()).isEqualTo(2 * Shop.ARTICLE);
    }

    @Test
    void aMeteredDownloadWithPayWordPaysExactlyTheUnitsDeliveredAndTheBytesMatch() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).preferPayWord(true)
                .meteredUnitsPerRequest(4).build();
        int length = 10 * 1024 + 300; // 11 units of 1 KiB, the last partial
        Path file = dir.resolve("download.bin");
        List<long[]> progress = new ArrayList<>();

        Download download = client.download(shop.url("/files/" + length), file,
                (bytes, total, paid) -> progress.add(new long[] {bytes, total, paid}));

        assertThat(Files.readAllBytes(file)).isEqualTo(Shop.file(length));
        assertThat(download.bytes()).isEqualTo(length);
        assertThat(download.receipts()).hasSize(3); // 4 + 4 + 3 units
        assertThat(download.paidMicros()).isEqualTo(11 * Shop.KIB_PRICE);
        assertThat(shop.sellerCharged()).isEqualTo(11 * Shop.KIB_PRICE);
        ChainEntry chain = client.walletState().payword.chains().get(0);
        assertThat(chain.revealed).as("words revealed = units delivered").isEqualTo(11);
        assertThat(chain.credit()).isZero();
        assertThat(progress.get(progress.size() - 1)).containsExactly(length, length, 11 * Shop.KIB_PRICE);
    }

    @Test
    void aMeteredDownloadWithScripIsCutAndResumedAndPaysTheUnitsDelivered() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).meteredUnitsPerRequest(5)
                .build();
        int length = 12 * 1024; // 12 units
        Path file = dir.resolve("download.bin");

        Download download = client.download(shop.url("/files/" + length), file, null);

        assertThat(Files.readAllBytes(file)).isEqualTo(Shop.file(length));
        assertThat(download.receipts()).hasSize(3); // 5 + 5 + 2 units
        assertThat(download.paidMicros()).isEqualTo(12 * Shop.KIB_PRICE);
        assertThat(shop.sellerCharged()).isEqualTo(12 * Shop.KIB_PRICE);
        assertThat(client.spentMicros()).isEqualTo(12 * Shop.KIB_PRICE);
    }
}
