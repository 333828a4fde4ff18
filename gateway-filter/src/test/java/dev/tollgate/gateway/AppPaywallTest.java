package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code paywall: app}: an unpaid browser request reaches the app with the offer and a response locked at 402, and
 * what the app writes is sent only when it read the offer; the app cannot turn an unpaid request into a success.
 */
final class AppPaywallTest {

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(String.join("\n",
                "rules:",
                "  - match: /read/**",
                "    price: 0.05",
                "    title: The status code that waited thirty years",
                "    description: A short article",
                "    mime-type: text/html",
                "    paywall: app",
                "  - match: /plain/**",
                "    price: 0.05",
                "    title: A page whose servlet knows nothing of paywalls",
                "    paywall: app",
                "")).serve("/read/*", () -> new ServletHolder(new ArticleApp()))
                .serve("/plain/*", () -> new ServletHolder(new UnawareApp())).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** An article servlet: the opening and a pay box when unpaid, the whole article when paid. */
    static final class ArticleApp extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            String path = request.getPathInfo();
            response.setContentType("text/html;charset=utf-8");
            PaywallOffer offer = PaywallOffer.of(request).orElse(null);
            if (offer == null) {
                response.getWriter().write("<h1>The whole article</h1><p>Every paragraph, paid for.</p>");
                return;
            }
            switch (path) {
                case "/redirect" -> {
                    response.sendRedirect("/elsewhere");
                    return;
                }
                case "/success" -> {
                    response.setStatus(200);
                    response.sendError(404);
                    response.setHeader("Cache-Control", "public, max-age=600");
                    response.setContentLength(3);
                }
                case "/throws" -> throw new ServletException("the app failed");
                case "/headers" -> {
                    response.setHeader("ETag", "\"opening\"");
                    response.addHeader("Vary", "Cookie");
                }
                case "/huge" -> {
                    response.getOutputStream().write(new byte[2 * 1024 * 1024]);
                    return;
                }
                default -> {
                }
            }
            PaywallOffer.Choice item = offer.choices().get(0);
            response.getWriter().write("<h1>" + offer.title() + "</h1><p>The opening paragraph (€).</p><p>"
                    + item.whatItBuys() + "</p>" + item.buttons().stream().map(b -> "<a href=\"" + b.url() + "\">"
                    + b.label() + "</a>").reduce("", String::concat));
        }
    }

    /**
     * A servlet that knows nothing of paywalls: {@code async} answers from another thread on the container's response
     * ({@code startAsync()}), {@code video} copies a large file as a download, counting what it wrote; anything else
     * is the harness's content.
     */
    static final class UnawareApp extends HttpServlet {
        private static final long serialVersionUID = 1L;
        static final AtomicLong VIDEO_BYTES_WRITTEN = new AtomicLong();
        static final AtomicLong TEXT_CHARS_WRITTEN = new AtomicLong();

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            switch (request.getPathInfo()) {
                case "/async" -> {
                    AsyncContext async = request.startAsync();
                    async.start(() -> {
                        try {
                            HttpServletResponse own = (HttpServletResponse) async.getResponse();
                            own.setStatus(200);
                            own.setHeader("Cache-Control", "public, max-age=600");
                            own.getWriter().write("the whole paid body");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } finally {
                            async.complete();
                        }
                    });
                }
                case "/video" -> {
                    response.setContentType("video/mp4");
                    response.setHeader("Content-Encoding", "gzip");
                    response.setHeader("Content-Disposition", "attachment; filename=video.mp4");
                    response.setHeader("ETag", "\"v1\"");
                    response.setDateHeader("Last-Modified", 0);
                    response.addCookie(new jakarta.servlet.http.Cookie("app", "discarded"));
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 1024; i++) { // 64 MiB
                        response.getOutputStream().write(chunk);
                        VIDEO_BYTES_WRITTEN.addAndGet(chunk.length);
                    }
                }
                case "/text" -> {
                    String chunk = "x".repeat(64 * 1024);
                    for (int i = 0; i < 1024; i++) { // 64 MiB through the writer, which swallows IOExceptions
                        response.getWriter().write(chunk);
                        TEXT_CHARS_WRITTEN.addAndGet(chunk.length());
                    }
                }
                default -> response.getWriter().write("content of " + request.getPathInfo());
            }
        }
    }

    @Test
    void anAsyncServletNeverSendsItsBodyToAnUnpaidBrowser() throws Exception {
        HttpTester.Response response = gateway.get("/plain/async", "Accept", "text/html");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(gateway.body(response)).doesNotContain("the whole paid body")
                .contains("<h1>A page whose servlet knows nothing of paywalls</h1>", "Pay 0.05 USD with Test Broker");
    }

    @Test
    void aPaidAsyncAnswerStaysPrivateThoughTheAppWritesToItsAsyncContextsResponse() throws Exception {
        HttpTester.Response paid = gateway.paidGet("/plain/async", gateway.broker.scrip().budget("100000").sign(),
                50_000);

        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(gateway.body(paid)).isEqualTo("the whole paid body");
        assertThat(paid.get("Cache-Control")).contains("private").doesNotContain("public");
    }

    @Test
    void aServletCopyingAFileIsStoppedAtTheCapAndItsHeadersAreNotOnTheBuiltInPaywall() throws Exception {
        HttpTester.Response response = gateway.get("/plain/video", "Accept", "text/html");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(UnawareApp.VIDEO_BYTES_WRITTEN.get()).isLessThanOrEqualTo(256 * 1024);
        assertThat(gateway.body(response)).contains("Pay 0.05 USD with Test Broker");
        assertThat(response.get("Content-Type")).startsWith("text/html");
        assertThat(response.get("Content-Encoding")).isNull();
        assertThat(response.get("Content-Disposition")).isNull();
        assertThat(response.get("ETag")).isNull();
        assertThat(response.get("Last-Modified")).isNull();
        assertThat(response.getValuesList("Set-Cookie")).noneSatisfy(c -> assertThat(c).startsWith("app="));
    }

    @Test
    void aServletCopyingAFileThroughTheWriterIsStoppedToo() throws Exception {
        HttpTester.Response response = gateway.get("/plain/text", "Accept", "text/html");

        assertThat(response.getStatus()).isEqualTo(402);
        // The write that overflows goes into the writer's buffer, which the PrintWriter empties silently; the next throws.
        assertThat(UnawareApp.TEXT_CHARS_WRITTEN.get()).isLessThanOrEqualTo(5 * 64 * 1024);
        assertThat(gateway.body(response)).contains("Pay 0.05 USD with Test Broker");
    }

    @Test
    void anUnpaidBrowserRequestReachesTheAppWhichRendersTheOpeningWithThePayBox() throws Exception {
        HttpTester.Response response = gateway.get("/read/the-402", "Accept", "text/html");
        java.util.regex.Matcher state = java.util.regex.Pattern.compile("&state=([A-Za-z0-9_-]+)&").matcher(
                gateway.body(response));

        assertThat(state.find()).isTrue();
        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(response.get(PaymentHeaders.PAYMENT_REQUIRED)).isNotBlank();
        assertThat(response.get("Cache-Control")).isEqualTo("no-store");
        assertThat(response.get("Content-Type")).isEqualTo("text/html;charset=utf-8");
        assertThat(gateway.body(response)).isEqualTo("<h1>The status code that waited thirty years</h1>"
                + "<p>The opening paragraph (€).</p><p>0.05 USD for this page</p><a href=\""
                + "https://broker.test/pay?seller=seller-1&return=http%3A%2F%2Fshop.test%2F.tollgate%2Fcallback&state="
                + state.group(1) + "&price=50000"
                + "&item=The+status+code+that+waited+thirty+years\">Pay 0.05 USD with Test Broker</a>");
        assertThat(response.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith(
                "__Host-tollgate_state="));
    }

    @Test
    void aProgramStillGetsTheJsonOfferAndThePaidRequestTheWholeArticle() throws Exception {
        HttpTester.Response program = gateway.get("/read/the-402");
        HttpTester.Response paid = gateway.paidGet("/read/the-402", gateway.broker.scrip().budget("100000").sign(),
                50_000);

        assertThat(program.getStatus()).isEqualTo(402);
        assertThat(program.get("Content-Type")).startsWith("application/json");
        assertThat(gateway.body(program)).doesNotContain("opening", "whole article");
        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(gateway.body(paid)).contains("The whole article");
    }

    @Test
    void theAppCannotChangeTheStatusTheCachingOrTheLength() throws Exception {
        HttpTester.Response success = gateway.get("/read/success", "Accept", "text/html");
        HttpTester.Response redirect = gateway.get("/read/redirect", "Accept", "text/html");

        assertThat(success.getStatus()).isEqualTo(402);
        assertThat(success.get("Cache-Control")).isEqualTo("no-store");
        assertThat(gateway.body(success)).contains("The opening paragraph");
        assertThat(redirect.getStatus()).isEqualTo(402);
        assertThat(redirect.get("Location")).isNull();
    }

    @Test
    void theHeadersOfAPageTheAppRendersAreSent() throws Exception {
        HttpTester.Response response = gateway.get("/read/headers", "Accept", "text/html");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(gateway.body(response)).contains("The opening paragraph");
        assertThat(response.get("ETag")).isEqualTo("\"opening\"");
        assertThat(response.getValuesList("Vary")).anySatisfy(v -> assertThat(v).contains("Cookie"));
    }

    @Test
    void whatAnAppWritesWithoutReadingTheOfferIsDiscardedForTheBuiltInPaywall() throws Exception {
        HttpTester.Response response = gateway.get("/plain/page", "Accept", "text/html");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(gateway.body(response)).doesNotContain("content of")
                .contains("<h1>A page whose servlet knows nothing of paywalls</h1>", "Pay 0.05 USD with Test Broker");
        assertThat(response.get("Content-Type")).startsWith("text/html");
    }

    @Test
    void anAppThatFailsOrWritesTooMuchGetsTheBuiltInPaywallNeverA500() throws Exception {
        HttpTester.Response failed = gateway.get("/read/throws", "Accept", "text/html");
        HttpTester.Response huge = gateway.get("/read/huge", "Accept", "text/html");

        assertThat(failed.getStatus()).isEqualTo(402);
        assertThat(gateway.body(failed)).contains("<h1>The status code that waited thirty years</h1>",
                "<p class=\"description\">A short article</p>");
        assertThat(huge.getStatus()).isEqualTo(402);
        assertThat(huge.getContentBytes().length).isLessThan(20_000);
        assertThat(gateway.body(huge)).contains("Pay 0.05 USD with Test Broker");
    }
}
