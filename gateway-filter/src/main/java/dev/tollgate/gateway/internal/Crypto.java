package dev.tollgate.gateway.internal;

import java.security.Provider;

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

    private Crypto() {
    }
}
