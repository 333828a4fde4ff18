package dev.tollgate.site;

import dev.tollgate.gateway.BrokerSettlement;
import dev.tollgate.gateway.SalesReport;
import dev.tollgate.gateway.SettlementStatus;
import java.util.Currency;
import java.util.List;

/** The dashboard's tables per broker: revenue and settlement of each broker's scrip, with the overall totals. */
final class BrokerTotals {

    private BrokerTotals() {
    }

    /** Revenue, settled and awaiting settlement per broker, and the totals, which the rows add up to. */
    static String revenue(SalesReport report, Currency currency) {
        StringBuilder out = new StringBuilder("<table>\n<caption>Revenue per broker, net of refunds</caption>\n")
                .append("<thead><tr><th scope=\"col\">Broker</th><th scope=\"col\">Charges</th>")
                .append("<th scope=\"col\">Revenue</th><th scope=\"col\">Settled</th>")
                .append("<th scope=\"col\">Awaiting settlement</th></tr></thead>\n<tbody>\n");
        long charges = 0;
        for (SalesReport.Broker b : report.byBroker()) {
            charges += b.charges();
            out.append("<tr><td>").append(Html.esc(b.name())).append(" <code>").append(Html.esc(b.id()))
                    .append("</code></td><td>").append(b.charges()).append("</td>")
                    .append(money(b.revenueMicros(), currency)).append(money(b.settledMicros(), currency))
                    .append(money(b.unsettledMicros(), currency)).append("</tr>\n");
        }
        return out.append("</tbody>\n<tfoot><tr><th scope=\"row\">All brokers</th><td>").append(charges)
                .append("</td>").append(money(report.totalMicros(), currency))
                .append(money(report.settledMicros(), currency)).append(money(report.unsettledMicros(), currency))
                .append("</tr></tfoot>\n</table>\n").toString();
    }

    /**
     * How redeeming the charges goes with each broker, removed ones still being settled included: what was settled
     * since start and the last batch. The amounts settled and awaiting settlement are the revenue table's, from the
     * same report, so the two never disagree.
     */
    static String settlement(List<BrokerSettlement> brokers, SettlementStatus overall, Currency currency) {
        StringBuilder out = new StringBuilder("<table>\n<caption>Settlement batches per broker</caption>\n<thead><tr>")
                .append("<th scope=\"col\">Broker</th><th scope=\"col\">Settled since start</th>")
                .append("<th scope=\"col\">Last batch</th></tr></thead>\n<tbody>\n");
        for (BrokerSettlement b : brokers) {
            SettlementStatus s = b.status();
            out.append("<tr><td>").append(Html.esc(b.name())).append(" <code>").append(Html.esc(b.id()))
                    .append("</code>").append(b.accepted() ? "" : " (removed: settling what was charged)")
                    .append("</td>").append(row(s, currency))
                    .append(s.lastError().map(e -> " <span class=\"alert\">failing: " + Html.esc(e) + "</span>")
                            .orElse("")).append("</td></tr>\n");
        }
        return out.append("</tbody>\n<tfoot><tr><th scope=\"row\">All brokers</th>").append(row(overall, currency))
                .append("</td></tr></tfoot>\n</table>\n").toString();
    }

    /** The cells of one status, the last one left open for a note. */
    private static String row(SettlementStatus s, Currency currency) {
        return money(s.settledSinceStartMicros(), currency) + "<td>"
                + Html.esc(s.lastSuccess().map(AdminServlet::time).orElse("none yet"));
    }

    private static String money(long micros, Currency currency) {
        return "<td class=\"price\">" + Html.esc(Html.money(micros, currency)) + "</td>";
    }
}
