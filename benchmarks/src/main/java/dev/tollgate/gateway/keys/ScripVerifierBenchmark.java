package dev.tollgate.gateway.keys;

import dev.tollgate.bench.BrokerFixture;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.PaymentException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A first-seen scrip through {@link ScripVerifier#verify}: jjwt parsing, header checks, the key lookup (keys were
 * fetched once over loopback HTTP in set-up), the Bouncy Castle signature check and the claim checks. The verifier
 * keeps no cache, so verifying the same token again costs what a new token costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class ScripVerifierBenchmark {

    private BrokerFixture fixture;
    private String ed25519Token;
    private String es256Token;

    @Setup
    public void setUp() throws PaymentException {
        fixture = new BrokerFixture();
        ed25519Token = fixture.ed25519Scrip();
        es256Token = fixture.es256Scrip();
        fixture.verifier.verify(ed25519Token);
        fixture.verifier.verify(es256Token);
    }

    @TearDown
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public ScripAccount ed25519() throws PaymentException {
        return fixture.verifier.verify(ed25519Token);
    }

    @Benchmark
    public ScripAccount es256() throws PaymentException {
        return fixture.verifier.verify(es256Token);
    }
}
