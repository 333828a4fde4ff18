package dev.tollgate.gateway.keys;

import dev.tollgate.bench.BrokerFixture;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one PayWord payment costs the gateway to verify against a first-seen scrip (PROTOCOL.md section 8; the
 * paper's claim is that a hash is about 100 times cheaper than a signature check).
 *
 * <ul>
 *   <li>{@link #payWordWord}: the check the gateway runs per payment, {@code SHA-256^steps(w_i) = w_l} with
 *       {@link PayWord#reaches} (a copy of the word, {@code steps} digests, a constant-time compare), for 1, 10 and
 *       100 steps;</li>
 *   <li>{@link #ed25519Signature}: the Bouncy Castle Ed25519 check alone, on the signing input of real scrip;</li>
 *   <li>{@link #scripFirstSeen}: a first-seen scrip through {@link ScripVerifier#verify}, jjwt parsing and claim
 *       checks included, as {@code ScripVerifierBenchmark} measures it.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class PayWordBenchmark {

    @Param({"1", "10", "100"})
    public int steps;

    private BrokerFixture fixture;
    private String scrip;
    private byte[] word;
    private byte[] head;
    private byte[] message;
    private PublicKey key;
    private byte[] signature;

    @Setup
    public void setUp() throws GeneralSecurityException, PaymentException {
        fixture = new BrokerFixture();
        scrip = fixture.ed25519Scrip();
        PayWordChain chain = PayWordChain.generate(200, new SecureRandom());
        head = chain.word(50);
        word = chain.word(50 + steps);
        message = scrip.substring(0, scrip.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        key = KeyFactory.getInstance("Ed25519", Crypto.BC)
                .generatePublic(new X509EncodedKeySpec(pair.getPublic().getEncoded()));
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(message);
        signature = signer.sign();
        // A benchmark of a failing check would measure nothing useful.
        if (!payWordWord() || !ed25519Signature() || scripFirstSeen() == null) {
            throw new IllegalStateException("a check did not pass");
        }
    }

    @TearDown
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public boolean payWordWord() {
        return PayWord.reaches(word, steps, head);
    }

    @Benchmark
    public boolean ed25519Signature() throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519", Crypto.BC);
        s.initVerify(key);
        s.update(message);
        return s.verify(signature);
    }

    @Benchmark
    public ScripAccount scripFirstSeen() throws PaymentException {
        return fixture.verifier.verify(scrip);
    }
}
