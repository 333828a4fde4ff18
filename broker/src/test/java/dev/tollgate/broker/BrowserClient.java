package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser as far as the broker's pages can tell: real HTTP with the JDK client, cookies kept by hand (set from
 * {@code Set-Cookie}, sent back on every request), redirects not followed, forms read from the HTML.
 */
final class BrowserClient {

    static final String RETURN = "https://news.example/.tollgate/callback";
    static final String STATE = "state-0123456789abcdef";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern HIDDEN = Pattern.compile(
            "<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">");
    private static final Pattern ACTION = Pattern.compile("<form[^>]* action=\"([^\"]*)\"");

    private final Broker broker;
    final Map<String, String> cookies = new LinkedHashMap<>();

    BrowserClient(Broker broker) {
        this.broker = broker;
    }

    /** An HTML answer. */
    record Page(int status, String body, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        /** The hidden fields of the page's forms, unescaped. */
        Map<String, String> hidden() {
            Map<String, String> out = new LinkedHashMap<>();
            Matcher m = HIDDEN.matcher(body);
            while (m.find()) {
                out.put(unescape(m.group(1)), unescape(m.group(2)));
            }
            return out;
        }

        String formAction() {
            Matcher m = ACTION.matcher(body);
            return m.find() ? unescape(m.group(1)) : null;
        }
    }

    /** The query of a valid payment request for {@link TestBrokers#SELLER}, with {@code overrides} replacing. */
    static Map<String, String> payParams(Map<String, String> overrides) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seller", TestBrokers.SELLER);
        p.put("return", RETURN);
        p.put("state", STATE);
        p.put("price", "250000");
        p.put("item", "Why micropayments failed, and why they will not again");
        p.putAll(overrides);
        p.values().removeIf(v -> v == null);
        return p;
    }

    Page pay(Map<String, String> params) {
        return get(broker.payUri().getPath() + "?" + PageHttp.encode(params));
    }

    Page get(String pathAndQuery) {
        return send(request(pathAndQuery).GET());
    }

    Page post(String path, Map<String, String> form) {
        return postRaw(path, PageHttp.encode(form));
    }

    /** POSTs {@code body} as a form body, as it is (for malformed bodies). */
    Page postRaw(String path, String body) {
        return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Fills in the login form of {@code loginPage} and submits it. */
    Page login(Page loginPage, String username, String password) {
        Map<String, String> form = new LinkedHashMap<>(loginPage.hidden());
        form.put("username", username);
        form.put("password", password);
        return post("/pay/login", form);
    }

    /** Logs in through the pages and answers the consent page. */
    Page loggedIn(DemoBuyer buyer, Map<String, String> params) {
        Page login = pay(params);
        Page after = login(login, buyer.username(), buyer.password());
        if (after.status() != 303) {
            throw new IllegalStateException("login failed: " + after.status() + " " + after.body());
        }
        return get(after.header("Location"));
    }

    /** Submits the consent form of {@code consentPage} with {@code choices} (budget, custom, action) added. */
    Page consent(Page consentPage, Map<String, String> choices) {
        Map<String, String> form = new LinkedHashMap<>(consentPage.hidden());
        form.putAll(choices);
        return post("/pay/consent", form);
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(broker.baseUri() + pathAndQuery))
                .timeout(Duration.ofSeconds(20));
        if (!cookies.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            cookies.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append('=').append(v));
            r.header("Cookie", sb.toString());
        }
        return r;
    }

    private Page send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            for (String set : response.headers().allValues("Set-Cookie")) {
                String pair = set.split(";", 2)[0];
                int eq = pair.indexOf('=');
                String name = pair.substring(0, eq).strip();
                String value = pair.substring(eq + 1).strip();
                if (value.isEmpty() || set.contains("Max-Age=0")) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            return new Page(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** All Set-Cookie headers of a page, for attribute checks. */
    static List<String> setCookies(Page page) {
        return page.response().headers().allValues("Set-Cookie");
    }

    static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }
}
