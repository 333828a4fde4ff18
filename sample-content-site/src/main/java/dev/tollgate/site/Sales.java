package dev.tollgate.site;

import dev.tollgate.gateway.TollgateFilter;
import java.util.Currency;

/**
 * The dashboard's revenue section: revenue per item, total, recent charges. It reads
 * {@code TollgateFilter.report(int)}, which the gateway-web branch adds; until it is merged the section says so.
 */
final class Sales {

    static final int RECENT = 20;

    private Sales() {
    }

    static String section(TollgateFilter gateway, Currency currency) {
        return "<section><h2>Revenue</h2>\n<p>Revenue per item and recent charges appear here once the gateway "
                + "offers its sales report. Until then, the settlement figures below show what was charged.</p>"
                + "</section>\n";
    }
}
