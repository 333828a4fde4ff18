package dev.tollgate.gateway.keys;

import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tollgate.protocol.JacksonBuffers;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.Locator;
import io.jsonwebtoken.io.Deserializer;
import io.jsonwebtoken.jackson.io.JacksonDeserializer;
import io.jsonwebtoken.security.SecureDigestAlgorithm;
import java.security.Key;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one Bouncy Castle provider instance used for scrip signature verification. It is never registered with
 * {@link java.security.Security}: keys are created with it and it is passed to jjwt explicitly.
 *
 * <p>Measured on the 2-core build machine (JDK 17.0.15, bcprov 1.87; ad-hoc loop, best of 5 rounds of 2000
 * verifications of a 300-byte message after a 2000-call warm-up, a fresh {@code Signature} per call): Ed25519 525 to
 * 785 us with SunEC versus 65 to 95 us with BC; ES256 905 to 920 us with SunEC versus 75 to 80 us with BC. End to end
 * through {@link ScripVerifier} (jjwt parsing included): about 120 us (Ed25519) and 90 us (ES256), against 560 us and
 * 890 us for a plain jjwt parser on JDK keys. BC wins for both algorithms, so one provider serves both.
 */
final class Crypto {

    static final Provider BC = new BouncyCastleProvider();

    /**
     * How jjwt reads the JSON of a JWS or JWK: its own defaults (duplicate members refused), but on a factory that
     * keeps no buffers per thread ({@link JacksonBuffers}), where jjwt's service-loaded mapper would.
     */
    static final Deserializer<Map<String, ?>> JWT_JSON = new JacksonDeserializer<>(JacksonBuffers.jsonMapper()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private Crypto() {
    }

    /**
     * A jjwt parser that accepts signed JWS only, with exactly {@code algorithms}: no keys, encryption, compression
     * or critical headers of jjwt's defaults, keys only from {@code keys}, verified with {@link #BC}, times checked
     * against {@code clock} within {@code clockSkew} (a sub-second skew rounded up: jjwt counts whole seconds).
     */
    @SafeVarargs
    static JwtParser pinnedParser(Locator<Key> keys, Clock clock, Duration clockSkew,
                                  SecureDigestAlgorithm<?, ?>... algorithms) {
        long skewSeconds = clockSkew.getSeconds() + (clockSkew.getNano() > 0 ? 1 : 0);
        var sig = Jwts.parser().sig().clear();
        for (SecureDigestAlgorithm<?, ?> algorithm : algorithms) {
            sig.add(algorithm);
        }
        return sig.and()
                .key().clear().and()
                .enc().clear().and()
                .zip().clear().and()
                .critical().clear().and()
                .provider(BC)
                .json(JWT_JSON)
                .keyLocator(keys)
                .clock(() -> Date.from(clock.instant()))
                .clockSkewSeconds(skewSeconds)
                .build();
    }
}
