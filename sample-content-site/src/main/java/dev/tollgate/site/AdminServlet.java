package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.SalesReport;
import dev.tollgate.gateway.BrokerSettlement;
import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code /admin}: the seller's dashboard (HTTP Basic, user {@value #USER}, over HTTPS only). Revenue over time and
 * paid against refused requests (charts), revenue per item, recent charges, settlement state, the price table in force
 * and why the last config edit was refused, if it was; {@value #CSV_PATH}, the latest charges as CSV. Behind the same
 * sign-in, {@code /admin/metrics}: the gateway's meters as Prometheus text ({@link MetricsPage}).
 */
public final class AdminServlet extends HttpServlet {

    /** Servlet-context attribute holding the {@link AdminPassword}; Main sets it before the web app starts. */
    static final String PASSWORD_ATTRIBUTE = "dev.tollgate.site.admin-password";
    static final String USER = "admin";
    /** How many of the latest charges the charts and the CSV export read (the ledger's report gives at most 1000). */
    static final int CHARGES = 1000;
    /** Where the charges are exported, behind the same sign-in. */
    static final String CSV_PATH = "/admin/charges.csv";
    private static final long serialVersionUID = 1L;
    /** PBKDF2 is slow on purpose: at most two checks at once, so guessing cannot take every core. */
    /** Password checks running at once; package-private so a test can hold them. */
    static final Semaphore CHECKS = new Semaphore(2);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        TollgateFilter gateway = Gateway.of(getServletContext());
        GatewayConfig config = gateway.config();
        Auth auth = authorize(request);
        if (auth == Auth.BUSY) {
            // Not a wrong password: say so, so that a flood of guesses cannot pass for one.
            response.setHeader("Retry-After", "2");
            Html.page(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, config.sellerName(), "Busy",
                    "<h1>Dashboard</h1>\n<p>Too many sign-ins are being checked right now; try again in a moment.</p>");
            return;
        }
        if (auth == Auth.DENIED) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"Tollgate dashboard\", charset=\"UTF-8\"");
            Html.page(response, HttpServletResponse.SC_UNAUTHORIZED, config.sellerName(), "Sign in",
                    "<h1>Dashboard</h1>\n<p>Sign in as <code>admin</code> with the admin password printed at "
                            + "the site's first start.</p>");
            return;
        }
        if (MetricsPage.PATH.equals(request.getServletPath())) {
            MetricsPage.write(response, getServletContext());
            return;
        }
        Currency currency = config.currency();
        StringBuilder main = new StringBuilder("<h1>Dashboard</h1>\n");
        gateway.lastReloadProblem().ifPresent(problem -> main.append(
                "<section class=\"alert\" role=\"alert\"><h2>The last config edit was refused</h2>\n"
                        + "<p>The previous prices stay in force until the file is fixed:</p>\n<pre>")
                .append(Html.esc(problem)).append("</pre></section>\n"));
        SalesReport report;
        try {
            report = gateway.report(CHARGES);
        } catch (LedgerUnavailableException e) {
            report = null;
            main.append("<p class=\"alert\">The ledger is unavailable: ").append(Html.esc(String.valueOf(
                    e.getMessage()))).append("</p>\n");
        }
        if (report != null && CSV_PATH.equals(request.getServletPath())) {
            ChargesCsv.send(response, report, config);
            return;
        }
        if (report != null) {
            main.append("<p><a href=\"").append(CSV_PATH).append("\">Download the latest ").append(CHARGES)
                    .append(" charges (CSV)</a></p>\n");
            main.append(ShadowBox.section(gateway, currency));
            main.append(DashboardCharts.section(report, currency, Traffic.COUNTS.lastHours(),
                    java.time.Instant.now()));
            main.append(Sales.section(report, config));
            main.append(settlement(gateway, report, currency));
        }
        main.append(priceTable(config));
        Html.page(response, HttpServletResponse.SC_OK, config.sellerName(), "Dashboard", main.toString());
    }

    private enum Auth { OK, DENIED, BUSY }

    private Auth authorize(HttpServletRequest request) {
        if (!(getServletContext().getAttribute(PASSWORD_ATTRIBUTE) instanceof AdminPassword password)
                || !request.isSecure()) {
            return Auth.DENIED;
        }
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Auth.DENIED;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Auth.DENIED;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || !decoded.substring(0, colon).equals(USER)) {
            return Auth.DENIED;
        }
        try {
            // PBKDF2 is slow on purpose: at most two run at once, and a sign-in waits a little for its turn.
            if (!CHECKS.tryAcquire(2, TimeUnit.SECONDS)) {
                return Auth.BUSY;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Auth.BUSY;
        }
        try {
            return password.matches(decoded.substring(colon + 1)) ? Auth.OK : Auth.DENIED;
        } finally {
            CHECKS.release();
        }
    }

    /**
     * Settlement: what the brokers settled and what awaits settlement come from {@code report}, as in the revenue
     * section above, so the two agree; the batches (settled since start, the last one, failures) from the settlers.
     */
    private static String settlement(TollgateFilter gateway, SalesReport report, Currency currency) {
        StringBuilder out = new StringBuilder("<section><h2>Settlement</h2>\n");
        SettlementStatus s;
        List<BrokerSettlement> brokers;
        try {
            s = gateway.settlementStatus();
            brokers = gateway.settlementByBroker();
        } catch (LedgerUnavailableException e) {
            return out.append("<p class=\"alert\">The ledger is unavailable: ").append(Html.esc(e.getMessage()))
                    .append("</p></section>\n").toString();
        }
        out.append("<dl class=\"figures\">")
                .append(figure("Settled by the brokers", Html.money(report.settledMicros(), currency)))
                .append(figure("Awaiting settlement", Html.money(report.unsettledMicros(), currency)))
                .append(figure("Settled since start", Html.money(s.settledSinceStartMicros(), currency)))
                .append(figure("Scrip awaiting settlement", Integer.toString(s.unsettledScrip())))
                .append(figure("Last batch", s.lastSuccess().map(AdminServlet::time).orElse("none yet")))
                .append("</dl>\n").append(BrokerTotals.settlement(brokers, s, currency));
        Optional<String> error = s.lastError();
        error.ifPresent(e -> out.append("<p class=\"alert\">Last attempt failed (").append(s.consecutiveFailures())
                .append(" in a row): ").append(Html.esc(e)).append("</p>\n"));
        return out.append("</section>\n").toString();
    }

    static String time(java.time.Instant instant) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                .withZone(java.time.ZoneOffset.UTC).format(instant);
    }

    private static String figure(String term, String value) {
        return "<div><dt>" + Html.esc(term) + "</dt><dd>" + Html.esc(value) + "</dd></div>";
    }

    private static String priceTable(GatewayConfig config) {
        StringBuilder out = new StringBuilder("<section><h2>Prices in force</h2>\n<table>\n<caption>Rules from <code>")
                .append(Html.esc(String.valueOf(config.source())))
                .append("</code>, first match wins</caption>\n<thead><tr><th scope=\"col\">Item</th>")
                .append("<th scope=\"col\">Methods</th><th scope=\"col\">Price</th><th scope=\"col\">Charged</th>")
                .append("</tr></thead>\n<tbody>\n");
        for (PriceRule rule : config.rules()) {
            Optional<PriceRule> r = Optional.of(rule);
            out.append("<tr><td>").append(Html.esc(rule.title())).append("<br><small><code>")
                    .append(Html.esc(rule.match())).append("</code></small></td><td>")
                    .append(rule.methods().isEmpty() ? "all" : Html.esc(String.join(", ", rule.methods())))
                    .append("</td><td class=\"price\">").append(Html.esc(Html.price(r))).append("</td><td>")
                    .append(Html.esc(Html.chargeModel(r))).append("</td></tr>\n");
        }
        return out.append("</tbody>\n</table></section>\n").toString();
    }
}
