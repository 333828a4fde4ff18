package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What metering costs per MiB of body: one 1 MiB response written in 16 KiB chunks into a {@link MeteredResponse}
 * (its wrapper, receipt header and a unit charge every {@code unit} bytes), against the same writes straight into
 * the container's stream. The unit charge is an in-memory stub: this measures the wrapper, not the ledger (whose
 * per-charge cost is in {@code SqliteLedgerBenchmark}). The container's stream is a sink that copies each write
 * into a 16 KiB buffer, as a container's output buffer does, and keeps nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MeteredResponseBenchmark {

    static final int MIB = 1 << 20;
    static final int CHUNK = 16 * 1024;

    /** Bytes per unit: 64 KiB (16 charges per MiB) or 1 MiB (one). */
    @Param({"65536", "1048576"})
    public long unit;

    private final byte[] chunk = new byte[CHUNK];
    private Sink sink;
    private HttpServletResponse container;
    private final ChargeResult.Charged charged = new ChargeResult.Charged("r-1", 10_000, 1_000_000_000L);
    private String buyerJson;

    @Setup
    public void setUp() {
        sink = new Sink();
        container = fakeResponse(sink);
        buyerJson = Receipts.jsonString("buyer-7f3a9c2e");
    }

    @Benchmark
    public long plainMiB() throws IOException {
        for (int i = 0; i < MIB; i += CHUNK) {
            sink.write(chunk, 0, CHUNK);
        }
        return sink.count;
    }

    @Benchmark
    public long meteredMiB(Blackhole hole) throws IOException {
        UnitCharger charger = new UnitCharger() {
            @Override
            public long remainingMicros() {
                return 1_000_000_000L;
            }

            @Override
            public ChargeResult chargeUnit() {
                return charged;
            }
        };
        PaidResponse paid = new PaidResponse(container, "tollgate:test", buyerJson);
        MeteredResponse metered = new MeteredResponse(paid, charger, new MeteredResponse.Receipt("tollgate:test",
                buyerJson, 10_000, 1_000_000_000L, () -> hole.consume(1)), unit, 100_000, false);
        ServletOutputStream out = metered.getOutputStream();
        for (int i = 0; i < MIB; i += CHUNK) {
            out.write(chunk, 0, CHUNK);
        }
        metered.finish();
        return metered.unitsCharged();
    }

    /** The container's stream: copies into its buffer and counts bytes, keeps none. */
    static final class Sink extends ServletOutputStream {
        final byte[] buffer = new byte[CHUNK];
        long count;

        @Override
        public void write(int b) {
            buffer[(int) (count++ % CHUNK)] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            int at = (int) (count % CHUNK);
            System.arraycopy(b, off, buffer, at, Math.min(len, CHUNK - at));
            count += len;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
        }
    }

    /** A response that accepts headers and hands out the sink: only what the wrappers call is answered. */
    static HttpServletResponse fakeResponse(Sink sink) {
        return (HttpServletResponse) Proxy.newProxyInstance(HttpServletResponse.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getOutputStream" -> sink;
                    case "getStatus" -> 200;
                    case "isCommitted" -> false;
                    case "getCharacterEncoding" -> "UTF-8";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }
}
