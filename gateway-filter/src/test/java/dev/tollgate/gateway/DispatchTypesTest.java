package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seller may map the filter for forwards, includes and errors too (a {@code web.xml} with every
 * {@code <dispatcher>}). A request is charged once, when it arrives: the app forwarding it to another priced path, or
 * including one, charges nothing more. Real Jetty.
 */
final class DispatchTypesTest {

    private static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** Forwards {@code /articles/forwarded/*} to {@code /articles/target}, and includes it from {@code /articles/included}. */
    static final class Dispatching extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            if (request.getRequestURI().startsWith("/articles/included")) {
                request.getRequestDispatcher("/articles/target").include(request, response);
            } else {
                request.getRequestDispatcher("/articles/target").forward(request, response);
            }
        }
    }

    private long remaining(String jti) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, BUDGET, "USD", Instant.now()));
    }

    @Test
    void aRequestTheAppForwardsOrIncludesIsChargedOnceWhateverTheFilterMapping() throws Exception {
        gateway = new GatewayHarness(dir).dispatch(EnumSet.allOf(DispatcherType.class))
                .serve("/articles/forwarded/*", () -> new ServletHolder(new Dispatching()))
                .serve("/articles/included/*", () -> new ServletHolder(new Dispatching()))
                .start();
        String token = gateway.broker.scrip().jti("dispatched").budget(Long.toString(BUDGET)).sign();

        HttpTester.Response forwarded = gateway.paidGet("/articles/forwarded/1", token, 50_000);
        HttpTester.Response included = gateway.paidGet("/articles/included/1", token, 50_000);

        assertThat(forwarded.getStatus()).isEqualTo(200);
        assertThat(gateway.body(forwarded)).isEqualTo("content of /articles/target");
        assertThat(included.getStatus()).isEqualTo(200);
        assertThat(remaining("dispatched")).as("two requests, two charges").isEqualTo(BUDGET - 2 * 50_000);
    }
}
