package dev.tollgate.gateway.http;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The {@code PAYMENT-RESPONSE} header of a paid request, rendered by hand and base64-encoded. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class ReceiptsBenchmark {

    // Fields, not constants, so the JIT cannot fold the inputs.
    private String network = "tollgate:test";
    private String buyerJson = Receipts.jsonString("buyer-7f3a9c2e-5b1d-4e8a-9c0f-2d6b8e1a4c7d");
    private String receiptId = "rcpt_3q9ZyX1bW8kLmN2pQ4rS6t";
    private long amount = 50_000;
    private long remaining = 9_950_000;

    @Benchmark
    public String paid() {
        return Receipts.paid(network, buyerJson, receiptId, amount, remaining);
    }
}
