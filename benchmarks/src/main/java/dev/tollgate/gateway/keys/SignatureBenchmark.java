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
    private byte[] ed25519Encoded;
    private org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint ed25519Point;
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
        byte[] spki = ed.getPublic().getEncoded(); // X.509 SubjectPublicKeyInfo: the raw 32-byte key at its end
        ed25519Encoded = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        ed25519Point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartialExport(ed25519Encoded, 0);

        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC", "SunEC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        ecJdk = ec.getPublic();
        ecBc = KeyFactory.getInstance("EC", Crypto.BC)
                .generatePublic(new X509EncodedKeySpec(ec.getPublic().getEncoded()));
        es256Signature = sign(ES256, ec, message);

        // A benchmark of a failing check would measure nothing useful.
        if (!ed25519Jdk() || !ed25519Bc() || !ed25519BcDecodedPoint() || !ed25519BcEncodedKey() || !es256Jdk()
                || !es256Bc()) {
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

    /**
     * Bouncy Castle's Ed25519 below the JCA, on the public point decoded once (what {@code BCEdDSAPublicKey} keeps,
     * so what {@link #ed25519Bc} uses too): no provider lookup, no {@code Signature} object.
     */
    @Benchmark
    public boolean ed25519BcDecodedPoint() {
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(ed25519Signature, 0, ed25519Point, message, 0,
                message.length);
    }

    /** The same on the 32-byte encoded key: the point is decompressed (a square root) on every check. */
    @Benchmark
    public boolean ed25519BcEncodedKey() {
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(ed25519Signature, 0, ed25519Encoded, 0, message, 0,
                message.length);
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
