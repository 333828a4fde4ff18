package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.SalesReport;
import java.util.Currency;

/** The dashboard's revenue section: revenue per item and in total, and the recent charges, from the ledger. */
final class Sales {

    static final int RECENT = 20;

    private Sales() {
    }

    static String section(SalesReport report, GatewayConfig config) {
        Currency currency = config.currency();
        StringBuilder out = new StringBuilder("<section><h2>Revenue</h2>\n<dl class=\"figures\">")
                .append(figure("Total revenue", Html.money(report.totalMicros(), currency)))
                .append(figure("Settled by the brokers", Html.money(report.settledMicros(), currency)))
                .append(figure("Awaiting settlement", Html.money(report.unsettledMicros(), currency)))
                .append("</dl>\n").append(BrokerTotals.revenue(report, currency)).append("<table>\n<caption>Revenue per item, net of refunds</caption>\n")
                .append("<thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Charges</th>")
                .append("<th scope=\"col\">Revenue</th></tr></thead>\n<tbody>\n");
        if (report.revenueByResource().isEmpty()) {
            out.append("<tr><td colspan=\"3\">Nothing sold yet.</td></tr>\n");
        }
        for (dev.tollgate.gateway.ledger.Sales.Resource r : report.revenueByResource()) {
            out.append("<tr><td>").append(item(config, r.resource())).append("</td><td>")
                    .append(r.charges()).append("</td><td class=\"price\">")
                    .append(Html.esc(Html.money(r.revenueMicros(), currency))).append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n<table>\n<caption>Recent charges, newest first</caption>\n<thead><tr>")
                .append("<th scope=\"col\">Time</th><th scope=\"col\">Item</th><th scope=\"col\">Amount</th>")
                .append("<th scope=\"col\">Receipt</th></tr></thead>\n<tbody>\n");
        if (report.recentCharges().isEmpty()) {
            out.append("<tr><td colspan=\"4\">No charges yet.</td></tr>\n");
        }
        for (dev.tollgate.gateway.ledger.Sales.Charge c : report.recentCharges().subList(0,
                Math.min(RECENT, report.recentCharges().size()))) {
            out.append("<tr><td>").append(Html.esc(AdminServlet.time(c.at()))).append("</td><td>")
                    .append(item(config, c.resource())).append("</td><td class=\"price\">")
                    .append(Html.esc(Html.money(c.amountMicros(), currency)))
                    .append(c.refunded() ? " (refunded)" : "").append("</td><td><code>")
                    .append(Html.esc(c.receiptId())).append("</code></td></tr>\n");
        }
        return out.append("</tbody>\n</table></section>\n").toString();
    }

    /** An item by its title, its path in a tooltip (HTML). */
    private static String item(GatewayConfig config, String resource) {
        return "<span title=\"" + Html.esc(resource) + "\">" + Html.esc(Catalog.titleOf(config, resource)) + "</span>";
    }

    private static String figure(String term, String value) {
        return "<div><dt>" + Html.esc(term) + "</dt><dd>" + Html.esc(value) + "</dd></div>";
    }
}
