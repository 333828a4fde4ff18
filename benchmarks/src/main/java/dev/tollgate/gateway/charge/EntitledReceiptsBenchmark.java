package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.http.Receipts;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The {@code PAYMENT-RESPONSE} header of a stream segment passed on its entitlement: rendered for every segment (as
 * before, {@code rendered}) or reused from {@link EntitledReceipts} ({@code reused}), with a repeat reference, as the
 * load harness's stream case sends.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class EntitledReceiptsBenchmark {

    // Fields, not constants, so the JIT cannot fold the inputs.
    private String network = "tollgate:test";
    private String buyerJson = Receipts.jsonString("buyer-7f3a9c2e-5b1d-4e8a-9c0f-2d6b8e1a4c7d");
    private String receiptId = "r-c0e778a25f9a47a6-000000000000";
    private long remaining = 4_611_686_018_427_387_901L;
    private String stream = "/video/one";
    private long until = 1_796_336_869L;
    private String reference = "1.test.3eafffd0-6f00-49c1-b2b1-c07aa45d0918.1796322770._7LG6NfvAR2NimNOuSgBaQ";
    private final EntitledReceipts receipts = new EntitledReceipts();

    @Benchmark
    public String rendered() {
        return Receipts.stream(network, buyerJson, receiptId, 0, remaining, stream, until, true, reference);
    }

    @Benchmark
    public String reused() {
        return receipts.header(network, buyerJson, receiptId, remaining, stream, until, reference);
    }
}
