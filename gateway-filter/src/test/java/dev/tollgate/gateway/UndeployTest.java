package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container that undeploys or reloads the web app expects the filter's {@code destroy()} to stop every thread it
 * started: a thread left running keeps the app's class loader, and Tomcat reports it as a leak.
 */
final class UndeployTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void afterDestroyNoThreadTheGatewayStartedIsAlive() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        GatewayHarness gateway = new GatewayHarness(dir).start();
        assertThat(gateway.paidGet("/articles/one", gateway.broker.scrip().sign(), 50_000).getStatus()).isEqualTo(200);

        gateway.close();

        // While the container still holds the app, only the JDK 17 HTTP clients' selector threads may remain: no
        // API stops them, they end once their client is unreachable.
        assertThat(awaitNoThreadsStartedSince(before, false, "HttpClient-\\d+-SelectorManager"))
                .as("threads started since the filter was created, right after destroy()").isEmpty();
        gateway = null; // as a container drops an undeployed app
        assertThat(awaitNoThreadsStartedSince(before, true, ""))
                .as("threads started since the filter was created, once the app is unreachable").isEmpty();
    }

    /** Polls until no thread started since {@code before} is alive but those named {@code except}; what is left. */
    private static List<String> awaitNoThreadsStartedSince(Set<Thread> before, boolean collect, String except) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        List<String> left = startedSince(before, except);
        while (!left.isEmpty() && Instant.now().isBefore(deadline)) {
            if (collect) {
                System.gc(); // the JDK's HTTP client stops its selector thread once the client is unreachable
            }
            Thread.onSpinWait();
            left = startedSince(before, except);
        }
        return left;
    }

    /**
     * Live threads that were not alive before, except the JDK's own shared ones (the common pool, the process
     * reaper the test fixtures start), which are not tied to our class loader.
     */
    private static List<String> startedSince(Set<Thread> before, String except) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-") && !t.getName().equals("process reaper"))
                .filter(t -> !t.getName().matches(except))
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }
}
