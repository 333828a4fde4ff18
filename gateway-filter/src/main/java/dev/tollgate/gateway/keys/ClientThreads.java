package dev.tollgate.gateway.keys;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK HTTP clients that talk to the broker, and their threads, which {@link #close()} stops: a web app's
 * undeploy or reload must leave no thread that keeps its class loader, and Tomcat reports every thread whose context
 * class loader is the app's.
 * <ul>
 *   <li>Workers: left to itself a client starts a cached pool nobody can shut down; here it runs on a pool this
 *       class owns, shut down on close. Like the JDK's default the pool is unbounded, its threads end after a
 *       minute idle, and the number of requests in flight is bounded by the callers.</li>
 *   <li>The selector thread each client starts: JDK 17 has no API to stop it; it ends a few seconds after its
 *       client is garbage-collected. So clients are built with the platform class loader as the thread's context
 *       loader, which the selector thread inherits: it is not the app's, so the container does not count it as the
 *       app's thread, and once the gateway is unreachable it ends by itself. On JDK 21 and later,
 *       {@code HttpClient.shutdownNow()} stops it at once: called through reflection, since the code is compiled
 *       for 17 (a multi-release class would need a JDK 21 compiler in every build for two lines).</li>
 * </ul>
 */
public final class ClientThreads implements AutoCloseable {

    /** How long {@link #close()} waits for the threads it stopped to end. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);
    private static final Method SHUTDOWN_NOW = clientMethod("shutdownNow");
    private static final Method AWAIT_TERMINATION = clientMethod("awaitTermination", Duration.class);

    private final ExecutorService pool;
    /** The clients built here: a handful per gateway, one per kind of broker request. */
    private final List<HttpClient> clients = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ClientThreads(ExecutorService pool) {
        this.pool = pool;
    }

    /** A cached pool of daemon threads named {@code name-1}, {@code name-2}, ... for the clients built here. */
    public static ClientThreads start(String name) {
        AtomicInteger count = new AtomicInteger();
        return new ClientThreads(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }));
    }

    /**
     * Builds a client on these threads, its selector thread outside the app's class loader; it stops on
     * {@link #close()}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public HttpClient client(HttpClient.Builder builder) {
        if (closed) {
            throw new IllegalStateException("the HTTP clients to the broker are closed");
        }
        Thread thread = Thread.currentThread();
        ClassLoader appLoader = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        HttpClient client;
        try {
            client = builder.executor(pool).build();
        } finally {
            thread.setContextClassLoader(appLoader);
        }
        clients.add(client);
        if (closed) { // closed while building: stop it as close() would have
            stop(client);
        }
        return client;
    }

    /** Stops the clients (on JDK 21+) and the worker threads; requests in flight fail. Waits briefly for them. */
    @Override
    public void close() {
        closed = true;
        clients.forEach(ClientThreads::stop);
        pool.shutdownNow();
        try {
            pool.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            for (HttpClient client : clients) {
                invoke(AWAIT_TERMINATION, client, STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop(HttpClient client) {
        invoke(SHUTDOWN_NOW, client);
    }

    private static void invoke(Method method, HttpClient client, Object... arguments) {
        if (method == null) {
            return;
        }
        try {
            method.invoke(client, arguments);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            throw new IllegalStateException("HttpClient." + method.getName() + " failed", e.getCause());
        }
    }

    /** {@code HttpClient}'s public method of that name on JDK 21+; {@code null} before. */
    private static Method clientMethod(String name, Class<?>... parameters) {
        try {
            return HttpClient.class.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
