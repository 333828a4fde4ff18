package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client pays repeat clicks with the reference the seller's receipt offered (PROTOCOL.md section 12), and pays with
 * the scrip itself again when the seller refuses the reference; a real gateway and a real broker.
 */
final class RepeatReferenceTest {

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

    private static ScripEntry onlyScrip(TollgateClient client) {
        List<ScripEntry> scrip = client.walletState().scrip();
        assertThat(scrip).hasSize(1);
        return scrip.get(0);
    }

    @Test
    void repeatClicksPayWithTheReferenceAndAreChargedAsTheScripWouldBe() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();

        for (int i = 0; i < 4; i++) {
            PaidResponse<String> article = get(client, "/articles/" + i);
            assertThat(article.response().statusCode()).isEqualTo(200);
            assertThat(article.body()).isEqualTo("content of /articles/" + i);
            assertThat(article.paidMicros()).isEqualTo(Shop.ARTICLE);
        }
        PaidResponse<String> video = get(client, "/videos/v1/segment-1.ts");
        PaidResponse<String> segment = get(client, "/videos/v1/segment-2.ts");

        assertThat(shop.paidWith).containsExactly("signature", "reference", "reference", "reference", "reference",
                "reference");
        assertThat(video.paidMicros()).isEqualTo(Shop.VIDEO);
        assertThat(segment.paidMicros()).isZero();
        assertThat(shop.sellerCharged()).isEqualTo(4 * Shop.ARTICLE + Shop.VIDEO);
        assertThat(client.spentMicros()).isEqualTo(4 * Shop.ARTICLE + Shop.VIDEO);
        ScripEntry scrip = onlyScrip(client);
        assertThat(scrip.spent).isEqualTo(4 * Shop.ARTICLE + Shop.VIDEO);
        assertThat(scrip.reference).startsWith("1.demo." + scrip.jti + ".");
    }

    @Test
    void aReferenceTheSellerRefusesIsDroppedAndTheScripPaysInstead() throws Exception {
        TollgateClient client = shop.client(SpendingLimits.builder("USD").build()).build();
        get(client, "/articles/0");
        ScripEntry scrip = onlyScrip(client);
        String offered = scrip.reference;
        String[] parts = offered.split("\\.");
        // As a restarted gateway with a new key, or a node without the key, would find it.
        scrip.reference = parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3] + ".AAAAAAAAAAAAAAAAAAAAAA";

        PaidResponse<String> article = get(client, "/articles/1");

        assertThat(article.response().statusCode()).isEqualTo(200);
        assertThat(article.paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(shop.paidWith).containsExactly("signature", "signature");
        assertThat(scrip.reference).isNotNull().isNotEqualTo(parts[0] + "." + parts[1] + "." + parts[2] + "."
                + parts[3] + ".AAAAAAAAAAAAAAAAAAAAAA"); // the new receipt's
        assertThat(shop.sellerCharged()).isEqualTo(2 * Shop.ARTICLE);
        assertThat(client.spentMicros()).isEqualTo(2 * Shop.ARTICLE);
        assertThat(get(client, "/articles/2").paidMicros()).isEqualTo(Shop.ARTICLE);
        assertThat(shop.paidWith).containsExactly("signature", "signature", "reference");
    }
}
