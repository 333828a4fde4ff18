package dev.tollgate.buyer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.buyer.ShopForCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate-pay} run in-process against a real gateway and broker. */
final class TollgatePayTest {

    @TempDir
    Path dir;

    private ShopForCli shop;
    private Path apiKey;
    private Path wallet;
    private String out;
    private String err;

    @BeforeEach
    void start() throws Exception {
        shop = ShopForCli.start(dir);
        apiKey = dir.resolve("api-key");
        Files.writeString(apiKey, shop.apiKey() + "\n");
        wallet = dir.resolve("wallet.json");
    }

    @AfterEach
    void stop() throws Exception {
        shop.close();
    }

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--broker", shop.broker().toString(), "--api-key-file", apiKey.toString(), "--wallet",
                wallet.toString()));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = TollgatePay.run(all.toArray(String[]::new), new PrintWriter(o), new PrintWriter(e));
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void getDownloadsAPaidArticleAndAMeteredFileWithProgressAndReportsWhatWasPaid() throws Exception {
        Path article = dir.resolve("article.txt");
        assertThat(run("get", shop.url("/articles/one").toString(), "-o", article.toString(), "--max-price", "0.10",
                "--max-total", "5.00")).as(err).isZero();
        assertThat(Files.readString(article)).isEqualTo("content of /articles/one");
        assertThat(err).contains("paid 0.05 USD");

        Path file = dir.resolve("file.bin");
        int length = 3 * 1024 * 1024; // 3072 units: PayWord pays at most 1000 words (max-step) a request
        assertThat(run("get", shop.url("/files/" + length).toString(), "-o", file.toString(), "--max-price", "20",
                "--max-total", "50", "--payword")).as(err).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(ShopForCli.file(length));
        assertThat(err).contains("[##############################] 100% 3072.0 KiB / 3072.0 KiB  paid 30.72 USD")
                .contains("%");

        assertThat(run("report", "--json")).isZero();
        JsonNode report = new ObjectMapper().readTree(out);
        assertThat(report.path("total").asText()).isEqualTo(Long.toString(50_000 + 3072 * 10_000L));
        assertThat(report.path("receipts")).hasSize(5); // the article, then 1000, 1000, 1000 and 72 units
        assertThat(run("report")).isZero();
        assertThat(out).contains("daily-byte").contains("30.77 USD");
        assertThat(run("wallet")).isZero();
        assertThat(out).contains("\"balance\"").contains("SCRIP").contains("PAYWORD CHAINS");
    }

    @Test
    void exitCodesSayWhatStoppedThePayment() throws Exception {
        assertThat(run("get", shop.url("/reports/annual").toString(), "-o", dir.resolve("r").toString(),
                "--max-price", "0.10")).isEqualTo(TollgatePay.LIMIT);
        assertThat(err).contains("the per-request limit").contains("short by 0.4 USD");

        assertThat(run("get", "http://127.0.0.1:1/articles/x", "-o", dir.resolve("x").toString()))
                .isEqualTo(TollgatePay.NETWORK);

        Files.writeString(wallet, "not a wallet");
        assertThat(run("get", shop.url("/articles/one").toString(), "-o", dir.resolve("y").toString()))
                .isEqualTo(TollgatePay.WALLET);
        assertThat(err).contains("is corrupt");

        assertThat(run("get")).isEqualTo(2);
    }
}
