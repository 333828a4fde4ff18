package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.charge.Metered;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.SettlementResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.eclipse.jetty.ee10.servlet.ResourceServlet;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metered rules through a real Jetty: a real file served with Range support by Jetty's ResourceServlet, and a
 * generator of bodies of unknown length. One unit is 1 KiB for 0.01 USD.
 */
final class MeteredTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /files/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1KiB",
            "  - match: /gen/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1KiB",
            "");
    static final int UNIT = 1024;
    static final long UNIT_PRICE = 10_000;
    static final int FILE_LENGTH = 10 * 1024 + 300;

    /** What the generator runs between its two writes; the drain test takes the budget there. */
    static volatile Runnable betweenWrites = () -> { };

    @TempDir
    Path dir;

    GatewayHarness gateway;
    byte[] file;

    @BeforeEach
    void start() throws Exception {
        Path content = Files.createDirectories(dir.resolve("content"));
        file = new byte[FILE_LENGTH];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) (i % 251);
        }
        Files.write(content.resolve("big.bin"), file);
        gateway = new GatewayHarness(dir).writeConfig(RULES)
                .serve("/files/*", () -> files(content))
                .serve("/gen/*", () -> new ServletHolder(new Generator()));
        gateway.start();
    }

    /** Jetty's own static content servlet over a folder: Range, If-Range, ETag and HEAD as a player meets them. */
    static ServletHolder files(Path folder) {
        ServletHolder files = new ServletHolder(new ResourceServlet());
        files.setInitParameter("baseResource", folder.toUri().toString());
        files.setInitParameter("pathInfoOnly", "true");
        files.setInitParameter("etags", "true");
        return files;
    }

    @AfterEach
    void stop() throws Exception {
        betweenWrites = () -> { };
        gateway.close();
    }

    private String scrip(String jti, long budget) {
        return gateway.broker.scrip().jti(jti).budget(Long.toString(budget)).sign();
    }

    private long remaining(String jti, long budget) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, budget, "USD", Instant.now().plusSeconds(3600)));
    }

    private HttpTester.Response paid(String method, String path, String token, String... headers) throws Exception {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "PAYMENT-SIGNATURE";
        all[headers.length + 1] = GatewayHarness.paymentHeader(token, UNIT_PRICE);
        return gateway.request(method, path, all);
    }

    @Test
    void aLongerFileIsCutExactlyAtThePaidBytesAsA206() throws Exception {
        String token = scrip("m-cut", 35_000);

        HttpTester.Response response = paid("GET", "/files/big.bin", token);

        assertThat(response.getStatus()).isEqualTo(206);
        assertThat(response.get("Content-Range")).isEqualTo("bytes 0-3071/" + FILE_LENGTH);
        assertThat(response.get("Content-Length")).isEqualTo("3072");
        assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOf(file, 3 * UNIT));
        assertThat(remaining("m-cut", 35_000)).isEqualTo(5_000);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(response);
        assertThat(receipt.success()).isTrue();
        assertThat(receipt.amount()).isEqualTo("30000");
        assertThat(receipt.extra()).containsEntry("remaining", "5000").containsEntry("charge", "metered")
                .containsEntry("cut", true);
        assertThat(((Number) receipt.extra().get("limit")).longValue()).isEqualTo(3072);
        assertThat(((Number) receipt.extra().get("length")).longValue()).isEqualTo(FILE_LENGTH);
        assertThat(((Number) receipt.extra().get("units")).longValue()).isEqualTo(3);
        assertThat(response.get("Cache-Control")).isEqualTo("private");
    }

    @Test
    void aCutDownloadResumesWithARangeRequestAndTheLastPartialUnitIsChargedWhole() throws Exception {
        byte[] first = paid("GET", "/files/big.bin", scrip("m-first", 35_000)).getContentBytes();
        String second = scrip("m-second", 1_000_000);

        HttpTester.Response rest = paid("GET", "/files/big.bin", second, "Range", "bytes=" + first.length + "-");

        assertThat(rest.getStatus()).isEqualTo(206);
        assertThat(rest.get("Content-Range")).isEqualTo("bytes 3072-" + (FILE_LENGTH - 1) + "/" + FILE_LENGTH);
        byte[] whole = new byte[first.length + rest.getContentBytes().length];
        System.arraycopy(first, 0, whole, 0, first.length);
        System.arraycopy(rest.getContentBytes(), 0, whole, first.length, rest.getContentBytes().length);
        assertThat(whole).isEqualTo(file);
        long units = (FILE_LENGTH - 3072 + UNIT - 1) / UNIT;
        assertThat(remaining("m-second", 1_000_000)).isEqualTo(1_000_000 - units * UNIT_PRICE);
        assertThat(TollgateFilterTest.receiptOf(rest).extra()).containsEntry("cut", false);
    }

    @Test
    void aRangeLongerThanTheBudgetIsCutToA206OfThePaidBytes() throws Exception {
        HttpTester.Response response = paid("GET", "/files/big.bin", scrip("m-range", 20_000),
                "Range", "bytes=1000-9999");

        assertThat(response.getStatus()).isEqualTo(206);
        assertThat(response.get("Content-Range")).isEqualTo("bytes 1000-3047/" + FILE_LENGTH);
        assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOfRange(file, 1000, 3048));
        assertThat(remaining("m-range", 20_000)).isZero();
    }

    @Test
    void anAffordableFileIsServedWholeAndChargedPerStartedUnit() throws Exception {
        HttpTester.Response response = paid("GET", "/files/big.bin", scrip("m-whole", 1_000_000));

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentBytes()).isEqualTo(file);
        assertThat(remaining("m-whole", 1_000_000)).isEqualTo(1_000_000 - 11 * UNIT_PRICE);
        assertThat(TollgateFilterTest.receiptOf(response).amount()).isEqualTo("110000");
    }

    @Test
    void severalRangesAreAnsweredAsOneCutBody() throws Exception {
        HttpTester.Response response = paid("GET", "/files/big.bin", scrip("m-multi", 20_000),
                "Range", "bytes=0-10,5000-5010");

        assertThat(response.getStatus()).isEqualTo(206);
        assertThat(response.get("Content-Range")).isEqualTo("bytes 0-2047/" + FILE_LENGTH);
        assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOf(file, 2048));
    }

    @Test
    void aBodyOfUnknownLengthEndsCleanlyAtThePaidBytes() throws Exception {
        HttpTester.Response response = paid("GET", "/gen/chunks", scrip("m-unknown", 30_000));

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.isComplete()).isTrue();
        assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOf(Generator.BODY, 3 * UNIT));
        assertThat(remaining("m-unknown", 30_000)).isZero();
        assertThat(TollgateFilterTest.receiptOf(response).extra()).doesNotContainKey("length");
    }

    @Test
    void anAsyncAppWritingToItsAsyncContextsResponseIsMeteredToo() throws Exception {
        HttpTester.Response response = paid("GET", "/gen/async", scrip("m-async", 30_000));

        assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOf(Generator.BODY, 3 * UNIT));
        assertThat(remaining("m-async", 30_000)).isZero();
    }

    @Test
    void theWriterAndSingleByteWritesAreMeteredToo() throws Exception {
        HttpTester.Response text = paid("GET", "/gen/text", scrip("m-text", 20_000));
        assertThat(gateway.body(text)).isEqualTo("x".repeat(2 * UNIT));
        assertThat(remaining("m-text", 20_000)).isZero();

        HttpTester.Response bytes = paid("GET", "/gen/bytes", scrip("m-bytes", 20_000));
        assertThat(bytes.getContentBytes()).isEqualTo(Arrays.copyOf(Generator.BODY, 2 * UNIT));
        assertThat(remaining("m-bytes", 20_000)).isZero();
    }

    @Test
    void headAndEmptyBodiesChargeNothingButNeedAPayment() throws Exception {
        String token = scrip("m-head", 50_000);

        HttpTester.Response head = paid("HEAD", "/files/big.bin", token);
        assertThat(head.getStatus()).isEqualTo(200);
        assertThat(head.get("Content-Length")).isEqualTo(Integer.toString(FILE_LENGTH));
        assertThat(TollgateFilterTest.receiptOf(head).amount()).isEqualTo("0");
        HttpTester.Response empty = paid("GET", "/gen/empty", token);
        assertThat(empty.getStatus()).isEqualTo(204);
        assertThat(remaining("m-head", 50_000)).isEqualTo(50_000);

        assertThat(gateway.request("HEAD", "/files/big.bin").getStatus()).isEqualTo(402);
    }

    @Test
    void bytesWrittenAfterTheAppClosedTheBodyAreNotCharged() throws Exception {
        String token = scrip("m-closed", 50_000);

        HttpTester.Response closed = paid("GET", "/gen/closed", token);

        assertThat(closed.getContentBytes()).isEqualTo(Arrays.copyOf(Generator.BODY, 100));
        assertThat(remaining("m-closed", 50_000)).isEqualTo(50_000 - UNIT_PRICE);
    }

    @Test
    void aLowerCaseHeadThatTheAppAnswersWithABodyIsMetered() throws Exception {
        String token = scrip("m-lower-head", 50_000);

        HttpTester.Response head = paid("head", "/gen/chunks", token);

        int sent = head.getContentBytes().length;
        assertThat(sent).isPositive();
        long units = (sent + UNIT - 1) / UNIT;
        assertThat(remaining("m-lower-head", 50_000)).isEqualTo(50_000 - units * UNIT_PRICE);
    }

    @Test
    void anAppThatFailsBeforeWritingChargesNothing() throws Exception {
        String token = scrip("m-fail", 50_000);

        assertThat(paid("GET", "/gen/fail", token).getStatus()).isEqualTo(500);
        assertThat(paid("GET", "/gen/missing", token).getStatus()).isEqualTo(404);
        assertThat(paid("GET", "/files/absent.bin", token).getStatus()).isEqualTo(404);

        assertThat(remaining("m-fail", 50_000)).isEqualTo(50_000);
    }

    @Test
    void aScripThatCannotPayOneUnitIsRefusedBeforeTheAppRuns() throws Exception {
        HttpTester.Response response = paid("GET", "/files/big.bin", scrip("m-poor", 9_999));

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("insufficient_budget");
        assertThat(gateway.body(response)).contains("1 KiB");
    }

    @Test
    void aBudgetTakenByAConcurrentRequestMidBodyTruncatesTheResponse() throws Exception {
        long budget = 50_000;
        String token = scrip("m-drain", budget);
        ScripAccount account = new ScripAccount(TestBroker.ISSUER, "m-drain", TestBroker.BUYER, TestBroker.SELLER,
                budget, "USD", Instant.now().plusSeconds(3600));
        betweenWrites = () -> {
            try {
                long left = gateway.filter.ledger().remaining(account);
                gateway.filter.recordingLedger().charge(account, left, "/elsewhere");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };

        HttpTester.Response response = paid("GET", "/gen/drain", token);

        // 1500 bytes written paid 2 units; the third unit cannot be paid: nothing past 2048 bytes, and no clean end.
        assertTruncatedAfterTwoUnits(response);
        assertThat(remaining("m-drain", budget)).isZero();
    }

    @Test
    void aLedgerThatFailsMidBodyTruncatesTheResponse() throws Exception {
        String token = scrip("m-down", 50_000);
        betweenWrites = () -> gateway.filter.recordingLedger().close();

        assertTruncatedAfterTwoUnits(paid("GET", "/gen/drain", token));
    }

    @Test
    void aLedgerThatIsDownServesNoMeteredContent() throws Exception {
        String token = scrip("m-closed", 50_000);
        gateway.filter.recordingLedger().close();

        HttpTester.Response response = paid("GET", "/files/big.bin", token);

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(gateway.body(response)).contains("ledger_unavailable");
    }

    /** The generator's drain body, aborted when its third unit could not be charged. */
    private static void assertTruncatedAfterTwoUnits(HttpTester.Response response) {
        assertThat(response).as("the status line and headers were sent before the abort").isNotNull();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.isComplete()).as("a truncated chunked body has no last chunk").isFalse();
        byte[] received = response.getContentBytes() == null ? new byte[0] : response.getContentBytes();
        assertThat(received.length).isLessThanOrEqualTo(2 * UNIT);
        assertThat(received).isEqualTo(Arrays.copyOf(Generator.BODY, received.length));
    }

    /** Bodies of unknown length, written in various ways. */
    static final class Generator extends HttpServlet {
        private static final long serialVersionUID = 1L;
        static final byte[] BODY = new byte[10_000];

        static {
            for (int i = 0; i < BODY.length; i++) {
                BODY[i] = (byte) ('a' + i % 26);
            }
        }

        /** Routes methods case-insensitively, as some frameworks do: {@code head} then gets a body. */
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            if (request.getMethod().equals("head")) {
                doGet(request, response);
                return;
            }
            super.service(request, response);
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            switch (request.getPathInfo()) {
                case "/chunks" -> {
                    ServletOutputStream out = response.getOutputStream();
                    for (int i = 0; i < BODY.length; i += 1000) {
                        out.write(BODY, i, 1000);
                        out.flush();
                    }
                }
                case "/closed" -> {
                    ServletOutputStream out = response.getOutputStream();
                    out.write(BODY, 0, 100);
                    out.close();
                    try {
                        out.write(BODY, 100, 5000); // after close: never sent, so never charged
                    } catch (IOException expected) {
                        // the stream says it has ended
                    }
                }
                case "/text" -> {
                    response.setContentType("text/plain");
                    response.setCharacterEncoding("UTF-8");
                    PrintWriter writer = response.getWriter();
                    for (int i = 0; i < 5000; i++) {
                        writer.write('x');
                    }
                }
                case "/bytes" -> {
                    ServletOutputStream out = response.getOutputStream();
                    for (int i = 0; i < 3000; i++) {
                        out.write(BODY[i]);
                    }
                }
                case "/drain" -> {
                    ServletOutputStream out = response.getOutputStream();
                    out.write(BODY, 0, 1500);
                    out.flush();
                    betweenWrites.run();
                    out.write(BODY, 1500, 2000);
                    out.flush();
                }
                case "/async" -> { // answers from another thread on the AsyncContext's response
                    AsyncContext async = request.startAsync();
                    async.start(() -> {
                        try {
                            async.getResponse().getOutputStream().write(BODY);
                        } catch (IOException endedAtTheLimit) {
                            // the body ended where the budget did
                        } finally {
                            async.complete();
                        }
                    });
                }
                case "/empty" -> response.setStatus(204);
                case "/missing" -> response.sendError(404);
                default -> throw new ServletException("the app failed before writing");
            }
        }
    }
}
