package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One first-seen scrip signature check at the JCA level, JDK (SunEC) against Bouncy Castle, for Ed25519 and ES256.
 * The message is the signing input (header.payload) of real scrip; a fresh {@link Signature} per call, as in the
 * measurement quoted in {@link Crypto}.
 * ES256 is verified in DER form ({@code SHA256withECDSA}), which both providers accept.
 * In this package for {@link Crypto#BC}, the provider instance the gateway uses.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class SignatureBenchmark {

    private static final String ES256 = "SHA256withECDSA";

    private byte[] message;
    private PublicKey ed25519Jdk;
    private PublicKey ed25519Bc;
    private byte[] ed25519Signature;
    private PublicKey ecJdk;
    private PublicKey ecBc;
    private byte[] es256Signature;

    @Setup
    public void setUp() throws GeneralSecurityException {
        String token = new TestBroker().scrip().budget("1000000000000").sign();
        message = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);

        KeyPair ed = KeyPairGenerator.getInstance("Ed25519", "SunEC").generateKeyPair();
        ed25519Jdk = ed.getPublic();
        ed25519Bc = KeyFactory.getInstance("Ed25519", Crypto.BC)
                .generatePublic(new X509EncodedKeySpec(ed.getPublic().getEncoded()));
        ed25519Signature = sign("Ed25519", ed, message);

        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC", "SunEC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        ecJdk = ec.getPublic();
        ecBc = KeyFactory.getInstance("EC", Crypto.BC)
                .generatePublic(new X509EncodedKeySpec(ec.getPublic().getEncoded()));
        es256Signature = sign(ES256, ec, message);

        // A benchmark of a failing check would measure nothing useful.
        if (!ed25519Jdk() || !ed25519Bc() || !es256Jdk() || !es256Bc()) {
            throw new IllegalStateException("a signature did not verify");
        }
    }

    @Benchmark
    public boolean ed25519Jdk() throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519", "SunEC");
        return verify(s, ed25519Jdk, ed25519Signature);
    }

    @Benchmark
    public boolean ed25519Bc() throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519", Crypto.BC);
        return verify(s, ed25519Bc, ed25519Signature);
    }

    @Benchmark
    public boolean es256Jdk() throws GeneralSecurityException {
        Signature s = Signature.getInstance(ES256, "SunEC");
        return verify(s, ecJdk, es256Signature);
    }

    @Benchmark
    public boolean es256Bc() throws GeneralSecurityException {
        Signature s = Signature.getInstance(ES256, Crypto.BC);
        return verify(s, ecBc, es256Signature);
    }

    private boolean verify(Signature s, PublicKey key, byte[] signature) throws GeneralSecurityException {
        s.initVerify(key);
        s.update(message);
        return s.verify(signature);
    }

    private static byte[] sign(String algorithm, KeyPair pair, byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm, "SunEC");
        s.initSign(pair.getPrivate());
        s.update(message);
        return s.sign();
    }
}
