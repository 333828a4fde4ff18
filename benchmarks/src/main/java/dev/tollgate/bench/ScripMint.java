package dev.tollgate.bench;

import dev.tollgate.gateway.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Mints many scrip fast for load runs: signed with an Ed25519 key of its own through Bouncy Castle (about 20 times
 * quicker than the JDK provider {@link TestBroker} signs with, which matters for a pool of hundreds of thousands),
 * published in the test broker's JWKS under {@link #KID}. Claims are those of {@code ScripBuilder}'s defaults, with a
 * budget no run can spend, the buyer and {@code jti} given. Thread-safe: each call signs with its own signer.
 */
final class ScripMint {

    static final String KID = "bench-mint-1";

    /** Every scrip's budget: 10^15 micro-units, more than any run spends. */
    static final long BUDGET = 1_000_000_000_000_000L;

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
    private final String encodedHeader = encode("{\"alg\":\"EdDSA\",\"typ\":\"tollgate-scrip+jwt\",\"kid\":\"" + KID
            + "\"}");
    private final long issuedAt = Instant.now().getEpochSecond();
    private final long expiresAt = issuedAt + 24 * 3600;

    /** Publishes the mint's public key in {@code broker}'s JWKS, so the gateway verifies what it mints. */
    ScripMint(TestBroker broker) {
        broker.addRawJwk("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"sig\",\"alg\":\"EdDSA\",\"kid\":\"" + KID
                + "\",\"x\":\"" + B64URL.encodeToString(key.generatePublicKey().getEncoded()) + "\"}");
    }

    /** A scrip of {@code buyer} with a budget of {@link #BUDGET}, valid for a day. */
    String scrip(String buyer, String jti) {
        String input = encodedHeader + "." + encode("{\"iss\":\"" + TestBroker.ISSUER + "\",\"sub\":\"" + buyer
                + "\",\"aud\":\"" + TestBroker.SELLER + "\",\"jti\":\"" + jti + "\",\"iat\":" + issuedAt
                + ",\"nbf\":" + issuedAt + ",\"exp\":" + expiresAt + ",\"budget\":\"" + BUDGET + "\",\"cur\":\""
                + TestBroker.CURRENCY + "\"}");
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(bytes, 0, bytes.length);
        return input + "." + B64URL.encodeToString(signer.generateSignature());
    }

    private static String encode(String json) {
        return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
