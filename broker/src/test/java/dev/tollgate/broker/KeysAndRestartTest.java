package dev.tollgate.broker;

import static dev.tollgate.broker.TestBrokers.get;
import static dev.tollgate.broker.TestBrokers.issue;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

final class KeysAndRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theJwksPublishesTheSigningKeyAsAnOkpJwkWithCaching() {
        broker = TestBrokers.startDemo(dir);

        Answer a = get(broker, "/.well-known/jwks.json", null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.response().headers().firstValue("Cache-Control")).contains("max-age=300");
        assertThat(a.response().headers().firstValue("Content-Type")).contains("application/jwk-set+json");
        JsonNode key = a.json().get("keys").get(0);
        assertThat(a.json().get("keys")).hasSize(1);
        assertThat(key.get("kty").asText()).isEqualTo("OKP");
        assertThat(key.get("crv").asText()).isEqualTo("Ed25519");
        assertThat(key.get("use").asText()).isEqualTo("sig");
        assertThat(key.get("alg").asText()).isEqualTo("EdDSA");
        assertThat(key.get("kid").asText()).isEqualTo(broker.currentKid());
        assertThat(key.has("d")).isFalse();
    }

    @Test
    void afterRotationNewScripUsesTheNewKidAndOldScripStillVerifies() throws Exception {
        broker = TestBrokers.startDemo(dir);
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        String oldKid = broker.currentKid();
        String oldToken = issue(broker, buyer, TestBrokers.SELLER, 1000).text("token");

        String newKid = broker.rotateKey();
        String newToken = issue(broker, buyer, TestBrokers.SELLER, 1000).text("token");

        assertThat(newKid).isNotEqualTo(oldKid).isEqualTo(broker.currentKid());
        assertThat(kidOf(newToken)).isEqualTo(newKid);
        assertThat(kids(get(broker, "/.well-known/jwks.json", null))).containsExactly(newKid, oldKid);
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(gateway.verify(oldToken).budgetMicros()).isEqualTo(1000);
            assertThat(gateway.verify(newToken).budgetMicros()).isEqualTo(1000);
        }
    }

    @Test
    void theRotateKeyCommandIsPickedUpByARunningBroker() throws Exception {
        broker = TestBrokers.startDemo(dir);
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        String oldKid = broker.currentKid();

        int status = Main.run(new String[] {"rotate-key", "--data", dir.toString()}, System.out, System.err);
        String token = issue(broker, buyer, TestBrokers.SELLER, 1000).text("token");

        assertThat(status).isZero();
        assertThat(kidOf(token)).isNotEqualTo(oldKid).isEqualTo(broker.currentKid());
        assertThat(kids(get(broker, "/.well-known/jwks.json", null))).containsExactly(kidOf(token), oldKid);
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(gateway.verify(token).jti()).isNotBlank();
        }
    }

    @Test
    void keysAndBalancesSurviveARestartOnTheSameDataDirectory() throws Exception {
        broker = TestBrokers.startDemo(dir);
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        issue(broker, buyer, TestBrokers.SELLER, 1_000_000);
        String kid = broker.currentKid();
        broker.close();

        broker = TestBrokers.startDemo(dir);

        assertThat(broker.currentKid()).isEqualTo(kid);
        Answer me = get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.micros("balance")).isEqualTo(4_000_000);
        assertThat(me.micros("reserved")).isEqualTo(1_000_000);
        assertThat(me.json().get("scrip")).hasSize(1);
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(gateway.verify(issue(broker, buyer, TestBrokers.SELLER, 1000).text("token")).buyer())
                    .isEqualTo(gateway.verify(issue(broker, buyer, TestBrokers.SELLER, 1000).text("token")).buyer());
        }
    }

    @Test
    void secretFilesTheDatabaseAndTheDataDirectoryAreOwnerOnly() throws Exception {
        Path data = dir.resolve("fresh");
        broker = TestBrokers.startDemo(data);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(KeyRing.FILE))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve(BrokerServices.PSEUDONYM_SECRET_FILE)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(Database.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void aKeyFileReadableByOthersIsRefusedAtStart() throws Exception {
        Broker.builder().dataDir(dir).build().close();
        Files.setPosixFilePermissions(dir.resolve(KeyRing.FILE), PosixFilePermissions.fromString("rw-r--r--"));

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> Broker.builder().dataDir(dir).build());

        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("chmod 600");
    }

    @Test
    void aDatabaseFromANewerBrokerIsRefused() throws Exception {
        Broker.builder().dataDir(dir).build().close();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Database.FILE));
             var st = c.createStatement()) {
            st.execute("PRAGMA user_version = " + (Schema.SCHEMA_VERSION + 1));
        }

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> Broker.builder().dataDir(dir).build());

        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("newer than this broker");
    }

    private static String kidOf(String token) throws Exception {
        return JSON.readTree(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[0])).get("kid").asText();
    }

    private static List<String> kids(Answer jwks) {
        List<String> kids = new ArrayList<>();
        jwks.json().get("keys").forEach(k -> kids.add(k.get("kid").asText()));
        return kids;
    }
}
