package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway in a child process, paid for over HTTP by several clients, is killed with SIGKILL mid-load:
 * every charge a buyer got a receipt for is in the ledger, and the scrip cannot be spent twice after a restart.
 */
final class GatewayKillTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"power-cut-safe", "process-crash-safe"})
    void aKilledGatewayLosesNoAcknowledgedCharge(String durability) throws Exception {
        try (GatewayHarness keys = new GatewayHarness(dir)) {
            keys.writeConfig(GatewayHarness.RULES);
            java.nio.file.Files.writeString(keys.configFile, java.nio.file.Files.readString(keys.configFile)
                    .replace("durability: process-crash-safe", "durability: " + durability));
            long budget = 1_000_000_000L;
            String token = keys.broker.scrip().jti("killed").budget(Long.toString(budget))
                    .expiresAt(Instant.now().plus(Duration.ofHours(1))).sign();
            String payment = GatewayHarness.paymentHeader(token, 50_000);

            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), GatewayKillChild.class.getName(),
                    keys.configFile.toString())
                    .redirectError(dir.resolve("child.err").toFile()).start();
            Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8));
                String line = out.readLine();
                assertThat(line).as("child started; see child.err").startsWith("port ");
                URI uri = URI.create("http://127.0.0.1:" + line.substring(5) + "/articles/x");
                AtomicBoolean killed = new AtomicBoolean();
                List<Thread> clients = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Thread client = new Thread(() -> pay(uri, payment, acknowledged, killed));
                    client.start();
                    clients.add(client);
                }
                Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
                while (acknowledged.size() < 1500 && Instant.now().isBefore(deadline)) {
                    Thread.sleep(5);
                }
                assertThat(acknowledged.size()).as("acknowledged charges before the kill").isGreaterThanOrEqualTo(1500);
                killed.set(true);
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                for (Thread client : clients) {
                    client.join(30_000);
                }
            } finally {
                child.destroyForcibly();
            }

            try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("data").resolve("ledger.db"))) {
                ScripAccount scrip = new ScripAccount(TestBroker.ISSUER, "killed", TestBroker.BUYER,
                        TestBroker.SELLER, budget, "USD", Instant.now().plusSeconds(3600));
                long spent = budget - ledger.remaining(scrip);
                assertThat(spent).as("recorded spending covers every receipt")
                        .isGreaterThanOrEqualTo(50_000L * acknowledged.size());
                for (String receipt : acknowledged) {
                    assertThat(ledger.refund(receipt)).as("receipt %s is in the ledger", receipt).isTrue();
                }
                assertThat(budget - ledger.remaining(scrip)).isEqualTo(spent - 50_000L * acknowledged.size());
            }
        }
    }

    /** Pays until the gateway dies; remembers each receipt it got with a 200. */
    private static void pay(URI uri, String payment, Queue<String> acknowledged, AtomicBoolean killed) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).header(PaymentHeaders.PAYMENT_SIGNATURE, payment)
                .timeout(Duration.ofSeconds(10)).build();
        while (!killed.get()) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    SettlementResponse receipt = X402Codec.decodeHeader(
                            response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(),
                            SettlementResponse.class);
                    acknowledged.add(receipt.transaction());
                }
            } catch (Exception e) {
                return; // the gateway is gone
            }
        }
    }
}
