package dev.tollgate.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;

/**
 * Where every Jackson factory of Tollgate's gateway takes its parse and write buffers: one pool of at most
 * {@link #CAPACITY} buffer recyclers, shared by all threads, instead of Jackson's default of one recycler per thread
 * in a {@code ThreadLocal} behind a {@code SoftReference}. A recycler of the default would stay on every container
 * thread that ever parsed JSON for the gateway and hold the web app's class loader after an undeploy until memory
 * runs short; this pool lives in the app's own classes and goes with them.
 *
 * <p>A thread takes a recycler for one read or write and gives it back; when all are out it gets a fresh one, and one
 * given back to a full pool is dropped. A recycler keeps the few buffers of its largest document (Jackson's defaults
 * are 8 KB each; our documents are bounded by their readers). Thread-safe.
 *
 * @since 0.1
 */
public final class JacksonBuffers {

    /** How many idle recyclers the pool keeps: more than the cores that parse at once on any seller's machine. */
    public static final int CAPACITY = 32;

    private static final RecyclerPool<BufferRecycler> POOL = JsonRecyclerPools.newBoundedPool(CAPACITY);
    private static final ObjectMapper TEXT = jsonMapper().build();

    private JacksonBuffers() {
    }

    /** The shared pool, for a factory built here or for another format's builder (YAML). */
    public static RecyclerPool<BufferRecycler> pool() {
        return POOL;
    }

    /** A JSON mapper builder with Jackson's defaults on a factory that uses {@link #pool()}. */
    public static JsonMapper.Builder jsonMapper() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(POOL).build());
    }

    /**
     * {@code node} as compact JSON, as {@code node.toString()} writes it but with buffers from {@link #pool()}:
     * {@code toString()} writes with Jackson's internal mapper, whose recycler is the per-thread one.
     */
    public static String text(JsonNode node) {
        try {
            return TEXT.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a JSON tree could not be written", e); // a bug: a tree is always writable
        }
    }
}
