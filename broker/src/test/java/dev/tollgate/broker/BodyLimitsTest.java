package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * Request bodies are bounded per endpoint by the largest legitimate body, refused by their declared length before
 * anything is read, and read with memory that follows the bytes that arrived (issue 9, hole 11).
 */
final class BodyLimitsTest {

    @TempDir
    static Path dir;

    private static final MutableClock CLOCK = new MutableClock();
    private static Broker broker;
    private static TestSellers.Key seller;
    private static Buyer buyer;

    @BeforeAll
    static void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(CLOCK).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, TestBrokers.SELLER);
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterAll
    static void close() {
        broker.close();
    }

    @Test
    void aBodyDeclaredAtTheLimitButShortCostsAboutWhatArrivedNotTheLimit() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] small = "{\"seller\":\"daily-byte\"}".getBytes(StandardCharsets.US_ASCII);
        long id = Thread.currentThread().getId();
        RequestBodies.read(new ByteArrayInputStream(small), -1, 1024); // class loading out of the measurement

        long before = threads.getThreadAllocatedBytes(id);
        byte[] body = RequestBodies.read(new ByteArrayInputStream(small), RequestBodies.MAX_REDEMPTION_BODY_BYTES,
                RequestBodies.MAX_REDEMPTION_BODY_BYTES);
        long allocated = threads.getThreadAllocatedBytes(id) - before;

        assertThat(body).isEqualTo(small);
        assertThat(allocated).as("bytes allocated to read a %d-byte body declared as %d", small.length,
                RequestBodies.MAX_REDEMPTION_BODY_BYTES).isLessThan(16 * 1024);
    }

    @Test
    void aBodyOfUnknownLengthIsRefusedAsSoonAsItPassesTheLimit() {
        byte[] big = new byte[RequestBodies.MAX_SCRIP_BODY_BYTES * 4];
        InputStream in = new ByteArrayInputStream(big);

        Throwable thrown = catchThrowable(() -> RequestBodies.read(in, -1, RequestBodies.MAX_SCRIP_BODY_BYTES));

        assertThat(thrown).isInstanceOf(ApiException.class);
        assertThat(((ApiException) thrown).status()).isEqualTo(413);
        assertThat(big.length - ((ByteArrayInputStream) in).available()).as("bytes read")
                .isEqualTo(RequestBodies.MAX_SCRIP_BODY_BYTES + 1);
    }

    @Test
    void aScripRequestLargerThanTheLargestLegitimateOneIsRefused() throws Exception {
        String padded = "{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"pad\":\""
                + "x".repeat(5 * 1024) + "\"}";

        Answer a = TestBrokers.post(broker, ApiHandler.SCRIP_PATH, padded, buyer.apiKey());

        assertThat(a.status()).as(a.body()).isEqualTo(413);
        assertThat(a.text("error")).isEqualTo("body_too_large");
        assertThat(TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).micros("reserved")).isZero();
    }

    @Test
    void anAccountRequestLargerThanTheLargestLegitimateOneIsRefused() {
        String padded = "{\"deposit\":\"1000\"" + " ".repeat(2 * 1024) + "}";

        Answer a = TestBrokers.post(broker, ApiHandler.ACCOUNTS_PATH, padded, null);

        assertThat(a.status()).as(a.body()).isEqualTo(413);
    }

    @Test
    void aChargeRequestLargerThanTheLargestLegitimateOneIsRefusedBeforeItsSignatureIsChecked() {
        String jws = OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller, CLOCK.instant().getEpochSecond(),
                "r-" + "x".repeat(9 * 1024), "scrip", "1000"));

        Answer a = OnlineChargesTest.post(broker, jws);

        assertThat(a.status()).as(a.body()).isEqualTo(413);
        assertThat(a.text("error")).isEqualTo("body_too_large");
    }

    @Test
    void aFullRedemptionBatchIsStillAccepted() {
        Map<String, String> claims = new LinkedHashMap<>();
        for (int i = 0; i < Settlement.MAX_CLAIMS; i++) {
            claims.put(String.format("Zk3Xw1m0c2S9rVf%07d", i), "100000000");
        }
        String jws = TestSellers.sign(seller.pair().getPrivate(), TestSellers.header(seller.kid(),
                Settlement.REDEMPTION_TYPE), TestSellers.batch(seller, CLOCK.instant().getEpochSecond(), claims));
        assertThat(jws.length()).isGreaterThan(64 * 1024);

        Answer a = TestSellers.post(broker, jws);

        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("results")).hasSize(Settlement.MAX_CLAIMS);
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsAnsweredAtOnceWithoutTheBody() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", broker.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + ApiHandler.REDEMPTIONS_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/jose\r\nContent-Length: 104857600\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);

            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        assertThat(TestBrokers.send(TestBrokers.request(broker, ApiHandler.JWKS_PATH, null).GET().build()).status())
                .isEqualTo(200);
    }
}
