package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.ScripReference;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repeat reference through real Jetty and a real ledger (PROTOCOL.md section 12): a receipt of scrip paid with the
 * x402 header offers a short reference, which pays later requests as the whole payment would; a reference that is
 * changed, forged, expired or unknown here is refused with a 402 that charges nothing.
 */
final class RepeatReferenceTest {

    private static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    window: 1h",
            "");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private static SettlementResponse receipt(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_RESPONSE), SettlementResponse.class);
    }

    private static String error(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_REQUIRED), PaymentRequired.class).error();
    }

    /** The reference the receipt of a request paid with the whole payment offers. */
    private String referenceFor(String token, String path) throws Exception {
        HttpTester.Response paid = gateway.paidGet(path, token, 100_000);
        assertThat(paid.getStatus()).isEqualTo(200);
        Object reference = receipt(paid).extra().get(ScripReference.RECEIPT_FIELD);
        assertThat(reference).isInstanceOf(String.class);
        return (String) reference;
    }

    private HttpTester.Response withReference(GatewayHarness on, String path, String header) throws Exception {
        return on.get(path, PaymentHeaders.TOLLGATE_REFERENCE, header);
    }

    private HttpTester.Response withReference(String path, String reference, long amount) throws Exception {
        return withReference(gateway, path, new ScripReference(reference, amount, null).header());
    }

    @Test
    void aRepeatClickWithTheReferenceIsChargedAsTheWholePaymentWouldBe() throws Exception {
        String token = gateway.broker.scrip().jti("j-repeat").budget("200000").sign();
        String reference = referenceFor(token, "/articles/one");
        assertThat(reference).hasSizeLessThan(80).startsWith("1.test.j-repeat.");

        HttpTester.Response again = withReference("/articles/two", reference, 50_000);

        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(gateway.body(again)).isEqualTo("content of /articles/two");
        SettlementResponse paid = receipt(again);
        assertThat(paid.success()).isTrue();
        assertThat(paid.amount()).isEqualTo("50000");
        assertThat(paid.network()).isEqualTo("tollgate:test");
        assertThat(paid.payer()).isEqualTo(TestBroker.BUYER);
        assertThat(paid.extra()).containsEntry("remaining", "100000").doesNotContainKey("reference");
        assertThat(again.get("X-Paid")).startsWith("50000 100000 " + TestBroker.BUYER + " ");
        assertThat(again.get("Vary")).contains(PaymentHeaders.TOLLGATE_REFERENCE);
        assertThat(gateway.remaining("j-repeat", 200_000)).isEqualTo(100_000);
    }

    @Test
    void theReferencePaysUnderTheSameRulesAsTheScrip() throws Exception {
        String token = gateway.broker.scrip().jti("j-rules").budget("120000").sign();
        String reference = referenceFor(token, "/articles/one");

        HttpTester.Response tooLittle = withReference("/articles/two", reference, 40_000);
        assertThat(tooLittle.getStatus()).isEqualTo(402);
        assertThat(error(tooLittle)).isEqualTo("price_changed");

        String id = "pay_7d5d747be160e280504c099d984bcfe0";
        String named = new ScripReference(reference, 50_000, id).header();
        HttpTester.Response first = withReference(gateway, "/articles/two", named);
        HttpTester.Response retried = withReference(gateway, "/articles/two", named);
        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(retried.getStatus()).isEqualTo(200);
        assertThat(receipt(retried).extra()).containsEntry("replayed", true);
        assertThat(receipt(retried).transaction()).isEqualTo(receipt(first).transaction());
        assertThat(gateway.remaining("j-rules", 120_000)).isEqualTo(20_000);

        HttpTester.Response broke = withReference("/articles/three", reference, 50_000);
        assertThat(broke.getStatus()).isEqualTo(402);
        assertThat(error(broke)).isEqualTo("insufficient_budget");
        assertThat(gateway.remaining("j-rules", 120_000)).isEqualTo(20_000);

        HttpTester.Response badId = withReference(gateway, "/articles/three", reference + "; amount=50000; id=short");
        assertThat(badId.getStatus()).isEqualTo(402);
        assertThat(error(badId)).isEqualTo("malformed_payment");
    }

    @Test
    void aStreamReceiptOffersAReferenceThatPassesOnTheEntitlement() throws Exception {
        String token = gateway.broker.scrip().jti("j-stream").budget("500000").sign();
        String reference = referenceFor(token, "/videos/a.mp4");

        HttpTester.Response segment = withReference("/videos/a.mp4", reference, 100_000);

        assertThat(segment.getStatus()).isEqualTo(200);
        assertThat(receipt(segment).amount()).isEqualTo("0");
        assertThat(receipt(segment).extra()).containsEntry("entitled", true);
        assertThat(gateway.remaining("j-stream", 500_000)).isEqualTo(400_000);
    }

    @Test
    void aChangedOrForgedReferenceIsRefusedAndChargesNothing() throws Exception {
        String token = gateway.broker.scrip().jti("j-forged").budget("200000").sign();
        String reference = referenceFor(token, "/articles/one");
        String other = referenceFor(gateway.broker.scrip().jti("j-other").budget("200000").sign(), "/articles/one");
        String[] parts = reference.split("\\.");
        String tag = parts[4];
        String[] changed = {
            parts[0] + "." + parts[1] + ".j-other." + parts[3] + "." + tag, // another scrip's jti under this tag
            parts[0] + "." + parts[1] + "." + parts[2] + "." + (Long.parseLong(parts[3]) + 3600) + "." + tag,
            reference.substring(0, reference.length() - 1) + (reference.endsWith("A") ? "B" : "A"),
            reference.substring(0, reference.lastIndexOf('.') + 1) + other.substring(other.lastIndexOf('.') + 1),
            "2" + reference.substring(1),
            "1.test.j-forged." + parts[3] + ".AAAAAAAAAAAAAAAAAAAAAA",
        };
        for (String forged : changed) {
            HttpTester.Response response = withReference("/articles/two", forged, 50_000);
            assertThat(response.getStatus()).as(forged).isEqualTo(402);
            assertThat(error(response)).as(forged).isEqualTo("invalid_reference");
            JsonNode body = JSON.readTree(gateway.body(response));
            assertThat(body.get("error").asText()).isEqualTo("invalid_reference");
        }
        assertThat(gateway.remaining("j-forged", 200_000)).isEqualTo(150_000);
        assertThat(gateway.remaining("j-other", 200_000)).isEqualTo(150_000);
    }

    @Test
    void anyHeaderValueIsAnsweredWithA402AndNeverPaysNorFails() throws Exception {
        String token = gateway.broker.scrip().jti("j-fuzz").budget("200000").sign();
        String reference = referenceFor(token, "/articles/one");
        Random random = new Random(12);
        String alphabet = "1.test.j-fuzz;amount=50000 id_AZaz09-\t,=;";
        for (int i = 0; i < 300; i++) {
            StringBuilder value = new StringBuilder(i % 3 == 0 ? reference + "; amount=50000" : "");
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits; e++) {
                int at = value.length() == 0 ? 0 : random.nextInt(value.length() + 1);
                if (random.nextBoolean() && at < value.length()) {
                    value.deleteCharAt(at);
                } else {
                    value.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            if (value.toString().equals(reference + "; amount=50000")) {
                continue;
            }
            HttpTester.Response response = withReference(gateway, "/articles/two", value.toString());
            assertThat(response.getStatus()).as(value.toString()).isIn(200, 402);
            if (response.getStatus() == 200) { // an edit of the amount, or of spaces: the reference itself is whole
                assertThat(value.toString().replaceAll("[ \t]", "")).startsWith(reference + ";amount=");
            }
        }
        HttpTester.Response tooLong = withReference(gateway, "/articles/two", reference + "; amount=50000; id="
                + "x".repeat(600));
        assertThat(error(tooLong)).isEqualTo("malformed_payment");
        assertThat(error(withReference(gateway, "/articles/two", reference))).isEqualTo("malformed_payment");
    }

    @Test
    void anExpiredReferenceIsUnknownAndTheWholePaymentOffersANewOne() throws Exception {
        String token = gateway.broker.scrip().jti("j-old").budget("300000").sign();
        String reference = referenceFor(token, "/articles/one");
        long expires = Long.parseLong(reference.split("\\.")[3]);
        assertThat(Instant.ofEpochSecond(expires)).isBeforeOrEqualTo(gateway.clock.instant().plus(
                Duration.ofMinutes(5))); // the broker's key refresh: a reference never outlives its signature check

        gateway.clock.advance(Duration.ofMinutes(6));
        HttpTester.Response expired = withReference("/articles/two", reference, 50_000);

        assertThat(expired.getStatus()).isEqualTo(402);
        assertThat(error(expired)).isEqualTo("unknown_reference");
        String renewed = referenceFor(token, "/articles/two");
        assertThat(renewed).isNotEqualTo(reference);
        assertThat(withReference("/articles/three", renewed, 50_000).getStatus()).isEqualTo(200);
        assertThat(gateway.remaining("j-old", 300_000)).isEqualTo(150_000);
    }

    @Test
    void aReferenceStillPaysAfterARestart() throws Exception {
        String token = gateway.broker.scrip().jti("j-restart").budget("200000").sign();
        String reference = referenceFor(token, "/articles/one");
        Path key = dir.resolve("data").resolve("reference-key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        byte[] before = Files.readAllBytes(key);

        gateway.stop();
        gateway.start();
        HttpTester.Response again = withReference("/articles/two", reference, 50_000);

        assertThat(Files.readAllBytes(key)).isEqualTo(before);
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(receipt(again).extra()).containsEntry("remaining", "100000");
        assertThat(gateway.remaining("j-restart", 200_000)).isEqualTo(100_000);
    }

    @Test
    void aNodeThatSharesTheKeyButNotTheScripAnswersUnknownAndOneWithAnotherKeyInvalid() throws Exception {
        String token = gateway.broker.scrip().jti("j-node").budget("200000").sign();
        String reference = referenceFor(token, "/articles/one");
        Path sharing = Files.createDirectories(dir.resolve("sharing"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.createDirectories(sharing.resolve("data"));
        Files.copy(dir.resolve("data").resolve("reference-key"), sharing.resolve("data").resolve("reference-key"),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        try (GatewayHarness sharingNode = new GatewayHarness(sharing);
             GatewayHarness otherNode = new GatewayHarness(other)) {
            sharingNode.writeConfig(RULES).start();
            otherNode.writeConfig(RULES).start();

            HttpTester.Response unknown = withReference(sharingNode, "/articles/two",
                    new ScripReference(reference, 50_000, null).header());
            HttpTester.Response invalid = withReference(otherNode, "/articles/two",
                    new ScripReference(reference, 50_000, null).header());

            assertThat(unknown.getStatus()).isEqualTo(402);
            assertThat(error(unknown)).isEqualTo("unknown_reference");
            assertThat(invalid.getStatus()).isEqualTo(402);
            assertThat(error(invalid)).isEqualTo("invalid_reference");
        }
    }

    @Test
    void cookieScripIsOfferedNoReference() throws Exception {
        String token = gateway.broker.scrip().jti("j-cookie").budget("200000").sign();
        HttpTester.Response paid = gateway.get("/articles/one", "Cookie", "__Host-tollgate_scrip=" + token,
                "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document");

        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(receipt(paid).extra()).doesNotContainKey("reference");
    }
}
