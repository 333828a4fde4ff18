package dev.tollgate.gateway.keys;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of a JDK HTTP client that talks to the broker. Left to itself the client starts a cached pool nobody
 * can shut down (JDK 17 has no {@code HttpClient.close()}), whose threads outlive an undeployed web app and keep its
 * class loader; with this pool as its executor, the owner stops them with {@code shutdownNow()} when it closes.
 * Like the JDK's default, the pool is unbounded but its threads end after a minute idle; the number of requests in
 * flight is bounded by the callers.
 */
public final class ClientThreads {

    private ClientThreads() {
    }

    /** A cached pool of daemon threads named {@code name-1}, {@code name-2}, ... */
    public static ExecutorService start(String name) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
