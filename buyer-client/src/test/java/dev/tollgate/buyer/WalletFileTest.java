package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wallet file keeps scrip and chains across restarts, owner-only, and refuses a corrupt or foreign file. */
final class WalletFileTest {

    @TempDir
    Path dir;

    private Shop shop;
    private Path walletFile;

    @BeforeEach
    void start() throws Exception {
        shop = Shop.start(dir);
        walletFile = dir.resolve("wallet.json");
    }

    @AfterEach
    void stop() throws Exception {
        shop.close();
    }

    private TollgateClient client(boolean payWord) throws Exception {
        return shop.client(SpendingLimits.builder("USD").build()).wallet(walletFile).requestsPerScrip(10)
                .preferPayWord(payWord).build();
    }

    private long get(TollgateClient client, String path) throws Exception {
        PaidResponse<String> r = client.send(HttpRequest.newBuilder(shop.url(path)).build(), BodyHandlers.ofString());
        assertThat(r.response().statusCode()).isEqualTo(200);
        return r.paidMicros();
    }

    @Test
    void aRestartWithTheWalletFileReusesTheScripAndTheChainAndBuysNothingNew() throws Exception {
        TollgateClient before = client(false);
        for (int i = 0; i < 3; i++) {
            get(before, "/articles/" + i);
        }
        TollgateClient payWordBefore = client(true);
        get(payWordBefore, "/articles/p0");
        get(payWordBefore, "/articles/p1");
        ChainEntry chain = payWordBefore.walletState().payword.chains().get(0);

        TollgateClient after = client(false); // a new process would read the same file
        for (int i = 3; i < 10; i++) {
            get(after, "/articles/" + i);
        }
        TollgateClient payWordAfter = client(true);
        get(payWordAfter, "/articles/p2");

        JsonNode account = after.brokerApi().accountView();
        assertThat(account.path("scrip")).as("one scrip bought in all").hasSize(1);
        assertThat(account.path("paywordCertificates")).as("one certificate in all").hasSize(1);
        assertThat(payWordAfter.walletState().payword.chains()).singleElement().satisfies(c -> {
            assertThat(c.commitmentId).isEqualTo(chain.commitmentId);
            assertThat(c.revealed).isEqualTo(3);
        });
        assertThat(shop.sellerCharged()).isEqualTo(13 * Shop.ARTICLE);
        assertThat(payWordAfter.report().totalMicros()).isEqualTo(13 * Shop.ARTICLE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(walletFile))).isEqualTo("rw-------");
    }

    @Test
    void aCorruptWalletFileIsRefusedAndLeftAsItIs() throws Exception {
        get(client(false), "/articles/1");
        String text = Files.readString(walletFile);
        String damaged = text.replaceFirst("\"spent\" : \"\\d+\"", "\"spent\" : \"0\"");
        assertThat(damaged).isNotEqualTo(text);
        Files.writeString(walletFile, damaged);

        assertThatThrownBy(() -> client(false)).isInstanceOf(WalletException.class)
                .hasMessageContaining("is corrupt").hasMessageContaining("checksum");
        Files.writeString(walletFile, "{\"format\": \"tollgate-wallet\", ");
        assertThatThrownBy(() -> client(false)).isInstanceOf(WalletException.class)
                .hasMessageContaining("is corrupt: not JSON");
        assertThat(Files.readString(walletFile, StandardCharsets.UTF_8)).startsWith("{\"format\"");
    }

    @Test
    void aWalletFileOfAnotherAccountIsRefused() throws Exception {
        get(client(false), "/articles/1");
        String bob = shop.broker.createDemoBuyer("bob", 1_000_000).apiKey();

        assertThatThrownBy(() -> TollgateClient.builder().broker(shop.broker.baseUri()).apiKey(bob)
                .limits(SpendingLimits.builder("USD").build()).wallet(walletFile).build())
                .isInstanceOf(WalletException.class).hasMessageContaining("belongs to account");
    }

    @Test
    void aWalletFileOthersCanReadIsRefused() throws Exception {
        get(client(false), "/articles/1");
        Files.setPosixFilePermissions(walletFile, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> client(false)).isInstanceOf(WalletException.class)
                .hasMessageContaining("readable by others");
    }
}
