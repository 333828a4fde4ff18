package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWordChain;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;

/**
 * The broker's signed requests from sellers (redemption batches of scrip and PayWord claims, online charges) over
 * hostile bodies, through its real HTTP API and SQLite store: never a 5xx, money conserved after every request, each
 * seller's credit the sum of its redemptions, and no credit for a body the seller did not sign.
 */
final class JoseRequestsFuzzTest {

    @TempDir
    Path dir;

    private Broker broker;
    private TestSellers.Key seller;
    private final List<String> valid = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        MutableClock clock = new MutableClock();
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).build().start();
        seller = TestSellers.register(broker, TestBrokers.SELLER);
        TestSellers.register(broker, "other-news");
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        List<String> scrip = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            scrip.add(TestBrokers.issue(broker, buyer, seller.id(), 100_000).text("jti"));
        }
        long now = clock.instant().getEpochSecond();
        KeyPair key = TestSellers.newKeyPair();
        String certificate = TestPayWord.certificate(broker, buyer, key, 500_000);
        PayWordChain chain = PayWordChain.generate(50, new java.security.SecureRandom());
        String commitment = TestPayWord.commit(key, seller.id(), certificate, chain, 1_000, now);

        ObjectNode batch = TestSellers.batch(seller, now, Map.of());
        ArrayNode claims = batch.putArray("claims");
        claims.add(TestPayWord.scripClaim(scrip.get(0), 30_000));
        claims.add(TestPayWord.scripClaim(scrip.get(1), 100_000));
        claims.add(TestPayWord.claim(commitment, chain, 20));
        valid.add(TestSellers.sign(seller.pair().getPrivate(), TestSellers.header(seller.kid(),
                Settlement.REDEMPTION_TYPE), batch));
        valid.add(OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller, now, "charge-1", scrip.get(2),
                "5000")));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** A POST of a body: to the endpoint its header names, mostly, as {@code application/jose}, mostly. */
    private record Post(String path, String type, String body) {
    }

    private static Post post(String body, Random random) {
        String path = random.nextInt(8) > 0 && decodesTo(body, Charges.CHARGE_TYPE) ? ApiHandler.CHARGES_PATH
                : ApiHandler.REDEMPTIONS_PATH;
        String type = random.nextInt(10) > 0 ? "application/jose" : Gen.oneOf(random, "application/json",
                "text/plain", "", Gen.string(random, 20).replaceAll("[\\x00-\\x1f\\x7f-\\uffff]", ""));
        return new Post(path, type, body);
    }

    private Answer send(Post post) {
        HttpRequest.Builder request = TestBrokers.request(broker, post.path(), null);
        if (!post.type().isBlank()) {
            request.header("Content-Type", post.type());
        }
        return TestBrokers.send(request.POST(HttpRequest.BodyPublishers.ofString(post.body())).build());
    }

    /** Whether the body's header, read leniently, names {@code typ}: where a seller would have sent it. */
    private static boolean decodesTo(String body, String typ) {
        return new String(lenient(body.split("\\.", -1)[0]), java.nio.charset.StandardCharsets.UTF_8)
                .contains(typ);
    }

    private void checkTheBooks(Answer answer) throws Exception {
        assertThat(answer.status()).as(answer.body()).isBetween(200, 499);
        assertThat(broker.statements().totals().conserved()).as("money conserved").isTrue();
        for (Map.Entry<String, long[]> credit : broker.statements().creditsBySeller().entrySet()) {
            assertThat(credit.getValue()[0]).as("credit of " + credit.getKey()).isEqualTo(credit.getValue()[1]);
        }
    }

    private long credited() throws Exception {
        return broker.statements().totals().credited();
    }

    @Test
    void aBodyTheSellerDidNotSignIsRefusedWithoutA5xxAndCreditsNothing() throws Exception {
        Fuzz.forAll("seller requests mutated without signing", 300, random -> {
            String body = Gen.oneOf(random, valid);
            return post(random.nextInt(10) == 0 ? Gen.string(random, 400) : Mutate.jws(body, random), random);
        }, post -> {
            long before = credited();
            checkTheBooks(send(post));
            if (credited() != before) {
                assertThat(valid.stream().anyMatch(signed -> sameSignedContent(signed, post.body())))
                        .as("credited for a body the seller did not sign").isTrue();
            }
        });
    }

    @Test
    void hostileClaimsUnderTheSellersSignatureKeepTheBooksBalanced() {
        Fuzz.forAll("seller requests with hostile signed claims", 300, random -> post(Mutate.signedJws(
                Gen.oneOf(random, valid), random, (header, payload) -> sign(seller, header, payload)), random),
                post -> checkTheBooks(send(post)));
    }

    /** Whether two compact JWS carry the same bytes in each segment, however those were spelled. */
    private static boolean sameSignedContent(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        if (x.length != 3 || y.length != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (!Arrays.equals(lenient(x[i]), lenient(y[i]))) {
                return false;
            }
        }
        return true;
    }

    private static byte[] lenient(String segment) {
        try {
            return Base64.getUrlDecoder().decode(segment.replace('+', '-').replace('/', '_').replace("=", "")
                    .strip());
        } catch (IllegalArgumentException e) {
            return segment.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static String sign(TestSellers.Key seller, byte[] header, byte[] payload) {
        try {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String input = b64.encodeToString(header) + "." + b64.encodeToString(payload);
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initSign(seller.pair().getPrivate());
            s.update(input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return input + "." + b64.encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
