package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.route.RuleTable;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole filter over a seeded sequence of hostile requests, through a real Jetty and a real SQLite ledger:
 * random and mutated methods, paths, payment headers (scrip and PayWord, valid, mutated as text, JSON or JWS, or
 * random), scrip cookies, {@code Sec-Fetch-*} and {@code Accept} headers, and browser callbacks with mutated forms
 * and states. After every request: no 5xx; the app's content only for a request the rule in force lets through,
 * and for a priced one only with a payment; the ledger's revenue moved by exactly the rule's price for each paid
 * answer below 400 and by nothing otherwise; every 402 carries a readable offer. See {@link Fuzz} for longer runs.
 */
final class FilterFuzzTest {

    private static final String CONTENT = "APP-CONTENT ";
    private static final int REQUESTS = 500;
    private static final String RULES = String.join("\n",
            "rules:",
            "  - match: /free/**",
            "    charge: free",
            "  - match: /articles/**",
            "    price: 0.05",
            "    description: One article",
            "    mime-type: text/html",
            "    schemes: [scrip, payword]",
            "  - match: /missing/**",
            "    price: 0.05",
            "  - match: /api/**",
            "    methods: [GET, POST]",
            "    price: 0.001",
            "  - match: /cached",
            "    price: 0.01",
            "");
    private static final List<String> PATHS = List.of("/articles/one", "/articles/two?page=2", "/articles",
            "/articles/", "/free/one", "/missing/one", "/api/quote", "/api/quote?symbol=X", "/cached", "/", "/other",
            BrowserFlow.CALLBACK_PATH, BrowserFlow.CALLBACK_PATH + "/x", "/ARTICLES/one", "//articles/one",
            "/free/../articles/one", "/free/%2e%2e/articles/one", "/free/..;/articles/one", "/articles;x=1/one",
            "/%61rticles/one", "/articles/%00", "/articles/one?" + "q=".repeat(700), "/free/one#x", "*",
            "http://shop.test/articles/one", "/articles/" + "x".repeat(3000));
    private static final List<String> METHODS = List.of("GET", "GET", "GET", "GET", "GET", "GET", "HEAD", "POST",
            "POST", "OPTIONS", "PUT", "DELETE", "get", "PATCH", "TRACE", "PROPFIND");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern STATE = Pattern.compile("[?&;]state=([A-Za-z0-9_.~-]+)");

    /** What one request is; {@link #toString} is the request as sent, for the failure message. */
    private record Request(String method, String target, Map<String, String> headers, String body,
                           int minutesLater) {
        String raw() {
            StringBuilder raw = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            headers.forEach((name, value) -> raw.append(name).append(": ").append(value).append("\r\n"));
            byte[] content = body.getBytes(StandardCharsets.ISO_8859_1);
            if (!body.isEmpty()) {
                raw.append("Content-Length: ").append(content.length).append("\r\n");
            }
            return raw.append("\r\n").append(body).toString();
        }

        @Override
        public String toString() {
            String raw = (minutesLater > 0 ? "(" + minutesLater + " minutes later)\n" : "") + raw();
            return raw.length() > 3000 ? raw.substring(0, 3000) + "..." : raw;
        }
    }

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private RuleTable rules;
    private final List<String> scrip = new ArrayList<>();
    private PayWordBuyer payWord;
    private java.time.Instant payWordSince;
    private int payWordHead;
    private boolean payWordCommitted;
    private String mintedState;
    private String mintedStateCookie;
    private String scripCookie;
    private long expectedRevenue;
    private final Set<String> outcomes = new TreeSet<>();

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).serve("/*", () -> new ServletHolder(new App())).writeConfig(RULES).start();
        rules = new RuleTable(gateway.filter.config().rules());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void noRequestGetsA5xxOrTheAppsContentWithoutTheChargeItsRuleAsks() throws Exception {
        Fuzz.forAll("requests through the filter", REQUESTS, this::request, this::send);

        assertThat(revenue()).isEqualTo(expectedRevenue);
        // The default sequence reaches the paths that matter: paid, refunded, refused and free answers, callbacks.
        assertThat(Fuzz.seed() != Fuzz.DEFAULT_SEED || outcomes.containsAll(Set.of("paid 200", "paid 404", "402",
                "free 200", "callback 200", "callback 400"))).as("outcomes " + outcomes).isTrue();
    }

    // ------------------------------------------------------------------ requests

    private Request request(Random random) {
        String method = random.nextInt(40) == 0 ? Gen.string(random, 8) : Gen.oneOf(random, METHODS);
        String target = Gen.oneOf(random, PATHS);
        if (random.nextInt(8) == 0) {
            target = Mutate.text(target, random);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (random.nextInt(50) > 0) {
            headers.put("Host", "shop.test");
        }
        String body = "";
        if (target.startsWith(BrowserFlow.CALLBACK_PATH) && random.nextInt(6) > 0) {
            method = random.nextInt(8) == 0 ? method : "POST";
            body = callback(random, headers);
        } else {
            pay(random, headers);
            if (method.equals("POST") && random.nextBoolean()) {
                body = Gen.string(random, 200);
            }
        }
        browserHeaders(random, headers);
        // Requests Jetty's parser refuses before the filter (a 505 for a broken request line) test Jetty, not us.
        method = method.replaceAll("[^!#$%&'*+.^_`|~0-9A-Za-z-]", "");
        method = method.isEmpty() ? "X" : method;
        target = target.replaceAll("[\\x00-\\x20\\x7f]", "");
        target = target.isEmpty() ? "/" : target;
        headers.replaceAll((name, value) -> value.replace("\r", "").replace("\n", ""));
        // Now and then time passes: scrip, commitments, browser states and cached keys age and expire.
        return new Request(method, target, headers, body, random.nextInt(40) == 0 ? 1 + random.nextInt(20) : 0);
    }

    /** A payment, good or hostile, or none. */
    private void pay(Random random, Map<String, String> headers) {
        switch (random.nextInt(12)) {
            case 0, 1 -> { }
            case 2, 3 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(scrip(random),
                    random.nextInt(6) == 0 ? 1000 : 50_000));
            case 4 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(
                    Mutate.jws(scrip(random), random), 50_000));
            case 5 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, Mutate.text(GatewayHarness.paymentHeader(
                    scrip(random), 50_000), random));
            case 6 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, Base64.getEncoder().encodeToString(Mutate.json(
                    new String(Base64.getDecoder().decode(GatewayHarness.paymentHeader(scrip(random), 50_000)),
                            StandardCharsets.UTF_8), random).getBytes(StandardCharsets.UTF_8)));
            case 7 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, Gen.string(random, 300));
            case 8, 9 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, payWord(random, false));
            case 10 -> headers.put(PaymentHeaders.PAYMENT_SIGNATURE, payWord(random, true));
            default -> {
                String cookie = switch (random.nextInt(4)) {
                    case 0 -> Mutate.jws(scrip(random), random);
                    case 1 -> scripCookie != null ? scripCookie : scrip(random);
                    default -> scrip(random);
                };
                headers.put("Cookie", TollgateFilter.SCRIP_COOKIE + "=" + cookie);
            }
        }
    }

    /** A scrip token: one of the last few issued (each pays for a few articles), sometimes a new one. */
    private String scrip(Random random) {
        if (scrip.isEmpty() || random.nextInt(5) == 0 || random.nextInt(40) == 0) {
            scrip.add(gateway.broker.scrip().budget(Long.toString(50_000 + random.nextInt(200_000))).sign());
        }
        return scrip.get(scrip.size() - 1 - random.nextInt(Math.min(3, scrip.size())));
    }

    /** The next PayWord payment of an article (5 words of 1 cent), or a hostile change of it. */
    private String payWord(Random random, boolean hostile) {
        if (payWord == null || payWordHead + 5 > payWord.chain().length()
                || gateway.clock.instant().isAfter(payWordSince.plus(java.time.Duration.ofMinutes(20)))) {
            payWord = new PayWordBuyer(gateway.broker);
            payWordSince = gateway.clock.instant();
            payWordHead = 0;
            payWordCommitted = false;
        }
        int index = payWordHead + 5;
        String header = payWordCommitted && random.nextBoolean() ? payWord.payById(index)
                : payWord.payWithCommitment(index);
        if (!hostile) {
            payWordHead = index; // moved on whatever the answer: a refused word is not tried again
            payWordCommitted = true;
            return header;
        }
        return switch (random.nextInt(4)) {
            case 0 -> Mutate.text(header, random);
            case 1 -> payWord.payById(random.nextInt(3) == 0 ? payWordHead : Math.max(0, payWordHead
                    + random.nextInt(1200) - 100), random.nextBoolean() ? randomWord(random)
                    : payWord.chain().word(index));
            default -> Base64.getEncoder().encodeToString(Mutate.json(new String(Base64.getDecoder().decode(
                    header), StandardCharsets.UTF_8), random).getBytes(StandardCharsets.UTF_8));
        };
    }

    private static byte[] randomWord(Random random) {
        byte[] word = new byte[32];
        random.nextBytes(word);
        return word;
    }

    /** The broker's POST back to the callback: the form and the state cookie, good or hostile. */
    private String callback(Random random, Map<String, String> headers) {
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        if (mintedState != null && random.nextBoolean()) {
            // The broker's honest return, with the state of the last paywall: it is one-use, so forget it.
            headers.put("Cookie", BrowserFlow.STATE_COOKIE + "=" + mintedStateCookie);
            String body = "token=" + gateway.broker.scrip().budget("100000").sign() + "&state=" + mintedState;
            mintedState = null;
            return body;
        }
        String state = mintedState != null && random.nextInt(3) > 0 ? mintedState
                : random.nextBoolean() ? Gen.string(random, 60) : Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(randomWord(random));
        Map<String, String> form = new LinkedHashMap<>();
        if (random.nextInt(10) == 0) {
            form.put("error", Gen.oneOf(random, "cancelled", Gen.string(random, 20)));
        }
        switch (random.nextInt(5)) {
            case 0 -> form.put("token", Mutate.jws(scrip(random), random));
            case 1 -> form.put("token", Gen.string(random, 100));
            case 2 -> { }
            default -> form.put("token", gateway.broker.scrip().budget("100000").sign());
        }
        form.put("state", state);
        String body = random.nextInt(3) == 0 ? Mutate.form(form, random) : form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .reduce((a, b) -> a + "&" + b).orElse("");
        String cookie = switch (random.nextInt(6)) {
            case 0 -> null;
            case 1 -> Mutate.text(state, random);
            case 2 -> mintedStateCookie;
            default -> state;
        };
        if (cookie != null) {
            headers.put("Cookie", BrowserFlow.STATE_COOKIE + "=" + cookie);
        }
        headers.put("Content-Type", random.nextInt(10) == 0 ? Gen.oneOf(random, "text/plain", "multipart/form-data",
                Gen.string(random, 30)) : "application/x-www-form-urlencoded");
        return body;
    }

    /** What browsers add: fetch metadata, the prefetch marker, what they accept; sometimes nonsense. */
    private static void browserHeaders(Random random, Map<String, String> headers) {
        if (random.nextBoolean()) {
            headers.put("Sec-Fetch-Site", Gen.oneOf(random, "none", "same-origin", "same-site", "cross-site",
                    Gen.string(random, 12)));
            headers.put("Sec-Fetch-Mode", Gen.oneOf(random, "navigate", "no-cors", "cors", "same-origin"));
            headers.put("Sec-Fetch-Dest", Gen.oneOf(random, "document", "image", "empty", "iframe", "script"));
            if (random.nextInt(4) == 0) {
                headers.put("Sec-Fetch-User", "?1");
            }
            if (random.nextInt(6) == 0) {
                headers.put("Sec-Purpose", Gen.oneOf(random, "prefetch", "prefetch;prerender", "prefetch;anonymous-client-ip"));
            }
        }
        if (random.nextInt(3) > 0) {
            headers.put("Accept", Gen.oneOf(random, "text/html", "application/json", "*/*",
                    "text/html,application/xhtml+xml,*/*;q=0.8", Gen.string(random, 20)));
        }
        if (random.nextInt(10) == 0) {
            headers.put("Range", Gen.oneOf(random, "bytes=0-3", "bytes=5-", "bytes=-2", Gen.string(random, 15)));
        }
        if (random.nextInt(12) == 0) {
            String cookies = headers.getOrDefault("Cookie", "");
            headers.put("Cookie", (cookies.isEmpty() ? "" : cookies + "; ") + Gen.oneOf(random,
                    BrowserFlow.STATE_COOKIE, BrowserFlow.ALLOWANCE_COOKIE, TollgateFilter.SCRIP_COOKIE, "x")
                    + "=" + Gen.string(random, 40));
        }
    }

    // ------------------------------------------------------------------ the properties

    private void send(Request request) throws Exception {
        gateway.clock.advance(java.time.Duration.ofMinutes(request.minutesLater()));
        long before = revenue();
        HttpTester.Response response = gateway.raw(request.raw(), request.method().equals("HEAD"));
        assertThat(response).as("an answer within 10 s").isNotNull();
        int status = response.getStatus();
        assertThat(status).as("status").isBetween(200, 499);
        long charged = revenue() - before;
        String body = gateway.body(response);
        String seen = response.get("X-Seen");
        if (seen == null) {
            assertThat(body).as("the app's content without the app").doesNotContain(CONTENT);
            assertThat(charged).as("charged without the app").isZero();
        } else {
            int space = seen.indexOf(' ');
            String method = seen.substring(0, space);
            String path = seen.substring(space + 1);
            PriceRule rule = rules.match(path, method);
            if (method.equals("OPTIONS")) {
                assertThat(charged).as("charged for OPTIONS").isZero();
                assertThat(rules.pricedForSomeMethod(path)).as("the app's OPTIONS answer on a priced path")
                        .isFalse();
                outcomes.add("options " + status);
            } else if (rule == null || rule.charge() == ChargeModel.FREE) {
                assertThat(charged).as("charged for a free request").isZero();
                outcomes.add("free " + status);
            } else {
                assertThat(response.get("X-Paid")).as("the app served a priced request without a payment")
                        .isEqualTo(Long.toString(rule.price().micros()));
                long expected = status < 400 ? rule.price().micros() : 0;
                if (status < 400) {
                    SettlementResponse receipt = X402Codec.decodeHeader(response.get(
                            PaymentHeaders.PAYMENT_RESPONSE), SettlementResponse.class);
                    assertThat(receipt.success()).as("the receipt of a paid answer").isTrue();
                    assertThat(receipt.amount()).as("the receipt's amount").isEqualTo(Long.toString(expected));
                }
                assertThat(charged).as("charged for a paid request answered " + status).isEqualTo(expected);
                expectedRevenue += expected;
                outcomes.add("paid " + status);
            }
        }
        if (status == 402) {
            PaymentRequired offer = X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_REQUIRED),
                    PaymentRequired.class);
            assertThat(offer.accepts()).isNotEmpty();
            if (!body.isEmpty() && String.valueOf(response.get("Content-Type")).startsWith("application/json")) {
                assertThat(JSON.readTree(body).path("error").asText()).as("the 402's error code")
                        .isNotEmpty().isEqualTo(offer.error());
            }
            outcomes.add("402");
            remember(response, body);
        }
        if (request.target().startsWith(BrowserFlow.CALLBACK_PATH)) {
            outcomes.add("callback " + status);
            if (status == 200) { // "Payment complete": the scrip is in its cookie
                for (String cookie : response.getValuesList("Set-Cookie")) {
                    if (cookie.startsWith(TollgateFilter.SCRIP_COOKIE + "=")) {
                        scripCookie = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
                    }
                }
            }
        }
    }

    /** Keeps the state a paywall page gave, for a later callback. */
    private void remember(HttpTester.Response response, String body) {
        Matcher state = STATE.matcher(body.replace("&amp;", "&"));
        if (!state.find()) {
            return;
        }
        mintedState = state.group(1);
        for (String cookie : response.getValuesList("Set-Cookie")) {
            if (cookie.startsWith(BrowserFlow.STATE_COOKIE + "=")) {
                mintedStateCookie = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
            }
        }
    }

    private long revenue() throws Exception {
        return gateway.filter.ledger().sales(0).revenueMicros();
    }

    /**
     * The seller's app: says what it saw and whether it was paid, and serves content to every method, even
     * {@code OPTIONS}, as a careless app might: on a priced path the filter must keep that answer's body and
     * headers from the client.
     */
    static final class App extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = TollgateFilter.pathOf(request);
            response.setHeader("X-Seen", TollgateFilter.upperCase(request.getMethod()) + " " + path);
            Payment payment = (Payment) request.getAttribute(Payment.REQUEST_ATTRIBUTE);
            if (payment != null) {
                response.setHeader("X-Paid", Long.toString(payment.amountMicros()));
            }
            if (path.startsWith("/missing")) {
                response.sendError(404);
                return;
            }
            response.setContentType("text/plain");
            response.getWriter().write(CONTENT + path);
        }
    }
}
