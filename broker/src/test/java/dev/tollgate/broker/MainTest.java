package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void registerSellerStoresTheSellerWithAJwkPublicKeyAndItsOrigins() throws Exception {
        PublicKey key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        String jwk = KeyRing.jwk("seller-key", key).toString();

        int status = run("register-seller", "--data", dir.toString(), "--id", "daily-byte", "--name",
                "The Daily Byte", "--public-key", jwk, "--origin", "https://News.Example/", "--origin",
                "http://localhost:8080");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Registered seller daily-byte");
        try (Broker broker = Broker.builder().dataDir(dir).build()) {
            Seller seller = broker.seller("daily-byte").orElseThrow();
            assertThat(seller.name()).isEqualTo("The Daily Byte");
            assertThat(seller.origins()).containsExactly("https://news.example", "http://localhost:8080");
            assertThat(java.util.Base64.getDecoder().decode(seller.publicKey())).isEqualTo(key.getEncoded());
        }
    }

    @Test
    void createDemoBuyerPrintsALoginThatWorksOnTheBrowserPages() throws Exception {
        int status = run("create-demo-buyer", "--data", dir.toString(), "--username", "Alice", "--deposit",
                "2000000");

        assertThat(status).as(err.toString()).isZero();
        String printed = out.toString();
        assertThat(printed).contains("Created demo buyer alice").contains("balance 2000000");
        String password = printed.replaceAll("(?s).*password: (\\S+).*", "$1");
        String apiKey = printed.replaceAll("(?s).*API key:  (\\S+).*", "$1");
        assertThat(password).hasSize(20);
        try (Broker broker = TestBrokers.startDemo(dir)) {
            assertThat(TestBrokers.get(broker, "/v1/accounts/me", apiKey).micros("balance")).isEqualTo(2_000_000);
            BrowserClient browser = new BrowserClient(broker);
            BrowserClient.Page after = browser.login(browser.pay(BrowserClient.payParams(java.util.Map.of())),
                    "alice", password);
            assertThat(after.status()).isEqualTo(303);
        }
        assertThat(run("create-demo-buyer", "--data", dir.toString(), "--username", "alice")).isEqualTo(1);
        assertThat(err.toString()).contains("already taken");
        assertThat(run("create-demo-buyer", "--data", dir.toString(), "--username", "bob", "--deposit", "5.00"))
                .isEqualTo(2);
    }

    @Test
    void registerSellerReadsABase64KeyFromAFile() throws Exception {
        Path keyFile = dir.resolve("seller.pub");
        Files.writeString(keyFile, TestBrokers.newSellerKey() + "\n");

        int status = run("register-seller", "--data", dir.resolve("data").toString(), "--id", "s1", "--name", "S",
                "--public-key", "@" + keyFile, "--origin", "https://s1.example");

        assertThat(status).as(err.toString()).isZero();
    }

    @Test
    void registeringTheSameSellerTwiceFails() {
        String[] args = {"register-seller", "--data", dir.toString(), "--id", "s1", "--name", "S", "--public-key",
            TestBrokers.newSellerKey(), "--origin", "https://s1.example"};
        assertThat(run(args)).isZero();

        assertThat(run(args)).isEqualTo(1);
        assertThat(err.toString()).contains("seller 's1' is already registered");
    }

    @Test
    void aSellerWithAnInvalidKeyOrAPlainHttpOriginIsRefused() {
        assertThat(run("register-seller", "--data", dir.toString(), "--id", "s1", "--name", "S", "--public-key",
                "bm90IGEga2V5", "--origin", "https://s1.example")).isEqualTo(1);
        assertThat(err.toString()).contains("not an Ed25519 SubjectPublicKeyInfo");

        assertThat(run("register-seller", "--data", dir.toString(), "--id", "s1", "--name", "S", "--public-key",
                TestBrokers.newSellerKey(), "--origin", "http://s1.example")).isEqualTo(1);
        assertThat(err.toString()).contains("must use https");
    }

    @Test
    void rotateKeyPrintsTheNewKidAndKeepsThePreviousPublished() {
        String before;
        try (Broker broker = Broker.builder().dataDir(dir).build()) {
            before = broker.currentKid();
        }

        assertThat(run("rotate-key", "--data", dir.toString())).isZero();

        try (Broker broker = Broker.builder().dataDir(dir).build()) {
            assertThat(out.toString()).contains("New signing key " + broker.currentKid());
            assertThat(broker.keys().published()).extracting(KeyRing.SigningKey::kid)
                    .containsExactly(broker.currentKid(), before);
        }
    }

    @Test
    void usageErrorsExitWithStatusTwo() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("rotate-key")).isEqualTo(2);
        assertThat(run("rotate-key", "--data", dir.toString(), "--bogus", "1")).isEqualTo(2);
        assertThat(run("--data", dir.toString())).isEqualTo(2); // serve without --issuer
        assertThat(err.toString()).contains("--issuer is required").contains("usage:");
    }

    @Test
    void servingPlainHttpOnANonLoopbackAddressIsRefused() {
        int status = run("--data", dir.toString(), "--issuer", "https://broker.example", "--host", "0.0.0.0",
                "--port", "0");

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("plain HTTP is allowed only on a loopback address");
    }

    @Test
    void theBuilderRejectsBadSettingsNamingThem() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Broker.builder().build()))
                .hasMessage("dataDir must be set");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> Broker.builder().dataDir(dir).currency("XYZW").build())).hasMessageContaining("ISO 4217");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> Broker.builder().dataDir(dir).issuer("ftp://x").build())).hasMessageContaining("issuer");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Broker.builder().port(70000)))
                .hasMessageContaining("port");
        try (Broker broker = Broker.builder().dataDir(dir).build()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(broker::start))
                    .hasMessageContaining("issuer must be set");
        }
    }

    @Test
    void sellersNormalizeOriginsAndRefusePrivateJwks() {
        Seller s = Seller.of("s1", " Name ", TestBrokers.newSellerKey(), List.of("HTTPS://A.example:8443/",
                "https://a.example:8443"));
        assertThat(s.origins()).containsExactly("https://a.example:8443");
        assertThat(s.name()).isEqualTo("Name");

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Seller.of("s1", "n",
                "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\",\"d\":\"AAAA\"}", List.of("https://a.example"))))
                .hasMessageContaining("private key");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Seller.of("bad id", "n",
                TestBrokers.newSellerKey(), List.of("https://a.example")))).hasMessageContaining("seller id");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Seller.of("s1", "n",
                TestBrokers.newSellerKey(), List.of("https://a.example/path")))).hasMessageContaining("path");
    }

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
