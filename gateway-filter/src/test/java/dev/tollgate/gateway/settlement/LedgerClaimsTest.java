package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.keys.ClientThreads;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.ScripTotal;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger that settles as one of several (PROTOCOL.md section 6, "Several ledgers") names itself in every scrip claim
 * and online charge, and needs the provisioned seller key; the seller's single ledger names nothing, as before.
 */
final class LedgerClaimsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode payload(String jws) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[1]));
    }

    @Test
    void claimsAndOnlineChargesNameTheLedgerOnlyWhenItIsOneOfSeveral() throws Exception {
        SellerKey key = SellerKey.loadOrCreate(dir);
        List<ScripTotal> batch = List.of(new ScripTotal("https://broker.test", "s-1", 150_000, 0));

        JsonNode cluster = payload(new BatchSigner(key, "seller-1", "https://broker.test",
                Optional.of("3f9a1c0e7b2d4a61")).sign(batch, List.of(), Instant.now()));
        JsonNode single = payload(new BatchSigner(key, "seller-1", "https://broker.test", Optional.empty())
                .sign(batch, List.of(), Instant.now()));

        assertThat(cluster.at("/claims/0/ledger").asText()).isEqualTo("3f9a1c0e7b2d4a61");
        assertThat(cluster.at("/claims/0/spent").asText()).isEqualTo("150000");
        assertThat(single.at("/claims/0").has("ledger")).as("a single ledger's claim is as before").isFalse();
        try (ClientThreads threads = ClientThreads.start("test-http")) {
            JsonNode charge = payload(new OnlineCharger(key, "seller-1", "https://broker.test", Clock.systemUTC(),
                    Optional.empty(), threads, Optional.of("3f9a1c0e7b2d4a61")).sign("r-1", "s-1", 50_000));
            assertThat(charge.get("ledger").asText()).isEqualTo("3f9a1c0e7b2d4a61");
        }
    }

    @Test
    void aLedgerThatIsOneOfSeveralDoesNotSettleWithoutTheProvisionedKey() throws Exception {
        Path config = Files.writeString(dir.resolve("gateway.yaml"),
                GatewayHarness.config(URI.create("http://127.0.0.1:1/.well-known/jwks.json"), ""));
        Ledger oneOfSeveral = (Ledger) Proxy.newProxyInstance(Ledger.class.getClassLoader(),
                new Class<?>[] {Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("settlementLedgerId")) {
                        return Optional.of("3f9a1c0e7b2d4a61");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> Settlements.start(GatewayConfig.load(config), oneOfSeveral, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("settlement.seller-key-file");
        assertThat(dir.resolve("data").resolve(SellerKey.FILE_NAME)).as("no key of its own generated").doesNotExist();
    }
}
