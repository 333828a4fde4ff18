package dev.tollgate.broker;

import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jsonwebtoken.Jwts;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;

/** A PayWord buyer in the tests: certificates over real HTTP, commitments signed with jjwt, PayWord claims. */
final class TestPayWord {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private TestPayWord() {
    }

    /** The raw 32-byte Ed25519 public key of {@code pair}. */
    static byte[] raw(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    /** The public JWK of {@code pair} as JSON text. */
    static String jwk(KeyPair pair) {
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + B64URL.encodeToString(raw(pair)) + "\"}";
    }

    /** {@code POST /v1/payword/certificates} for {@code pair} with {@code limit} and a one-hour lifetime. */
    static Answer certify(Broker broker, Buyer buyer, KeyPair pair, long limit) {
        return TestBrokers.post(broker, ApiHandler.CERTIFICATES_PATH, "{\"publicKey\":" + jwk(pair)
                + ",\"limit\":\"" + limit + "\",\"ttlSeconds\":3600}", buyer.apiKey());
    }

    /** A certificate's JWS, or a failure naming the answer. */
    static String certificate(Broker broker, Buyer buyer, KeyPair pair, long limit) {
        Answer a = certify(broker, buyer, pair, limit);
        if (a.status() != 201) {
            throw new IllegalStateException("certificate refused: " + a.body());
        }
        return a.text("certificate");
    }

    /** A commitment to {@code chain} for {@code seller}, signed by {@code pair} with jjwt, valid from now on. */
    static String commit(KeyPair pair, String seller, String certificate, PayWordChain chain, long unit,
                         long nowSeconds) {
        return commit(pair, seller, certificate, PayWord.encodeWord(chain.root()), chain.length(), unit, nowSeconds,
                nowSeconds + 1800);
    }

    static String commit(KeyPair pair, String seller, String certificate, String root, long n, long unit,
                         long iat, long exp) {
        return Jwts.builder()
                .header().type(PayWord.COMMITMENT_TYPE).and()
                .audience().single(seller)
                .claim("cert", certificate)
                .claim("root", root)
                .claim("n", n)
                .claim("unit", Long.toString(unit))
                .issuedAt(new Date(iat * 1000))
                .expiration(new Date(exp * 1000))
                .id("c-" + System.nanoTime())
                .signWith(pair.getPrivate(), Jwts.SIG.EdDSA)
                .compact();
    }

    /** The claim {@code {"commitment", "index", "word"}} paying word {@code index} of {@code chain}. */
    static ObjectNode claim(String commitment, PayWordChain chain, int index) {
        return claim(commitment, index, PayWord.encodeWord(chain.word(index)));
    }

    static ObjectNode claim(String commitment, long index, String word) {
        ObjectNode c = TestSellers.JSON.createObjectNode();
        c.put(PayWord.COMMITMENT, commitment);
        c.put(PayWord.INDEX, index);
        c.put(PayWord.WORD, word);
        return c;
    }

    /** The scrip claim {@code {"jti", "spent"}}. */
    static ObjectNode scripClaim(String jti, long spent) {
        ObjectNode c = TestSellers.JSON.createObjectNode();
        c.put("jti", jti);
        c.put("spent", Long.toString(spent));
        return c;
    }

    /** Signs and posts a batch of {@code claims} as {@code seller} at {@code now}. */
    static Answer redeem(Broker broker, TestSellers.Key seller, long now, List<ObjectNode> claims) {
        ObjectNode batch = TestSellers.batch(seller, now, Map.of());
        ArrayNode list = batch.putArray("claims");
        claims.forEach(list::add);
        return TestSellers.post(broker, TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), batch));
    }

    /** The single result of a one-claim batch. */
    static ObjectNode only(Answer a) {
        if (a.status() != 200) {
            throw new AssertionError("batch refused: " + a.body());
        }
        return (ObjectNode) a.json().get("results").get(0);
    }
}
