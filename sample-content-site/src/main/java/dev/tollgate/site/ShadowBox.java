package dev.tollgate.site;

import dev.tollgate.gateway.ShadowReport;
import dev.tollgate.gateway.TollgateFilter;
import java.util.Currency;
import java.util.Map;

/**
 * The dashboard's shadow-mode box ({@code mode: shadow}, docs/CONFIG.md): what the gateway would have been paid per
 * rule and what it would have refused, while it serves everything free. Shown while in shadow mode, and after it
 * while the counts since the start are not empty.
 */
final class ShadowBox {

    private ShadowBox() {
    }

    static String section(TollgateFilter gateway, Currency currency) {
        ShadowReport report = gateway.shadowReport();
        boolean shadow = gateway.config().shadow();
        if (!shadow && report.rules().isEmpty() && report.refusals().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("<section class=\"shadow\"><h2>Shadow mode</h2>\n<p>")
                .append(shadow ? "Nothing is charged: every page is served free while the gateway counts what it "
                        + "would have charged." : "The gateway is live again; these are the counts of its shadow run.")
                .append("</p>\n<dl class=\"figures\"><div><dt>Would-be revenue</dt><dd>")
                .append(Html.esc(Html.money(report.totalMicros(), currency)))
                .append("</dd></div><div><dt>Would have been refused</dt><dd>").append(report.totalRefusals())
                .append("</dd></div></dl>\n<table>\n<caption>Would-be revenue per rule</caption>\n<thead><tr>")
                .append("<th scope=\"col\">Rule</th><th scope=\"col\">Paid requests</th>")
                .append("<th scope=\"col\">Would-be revenue</th></tr></thead>\n<tbody>\n");
        for (ShadowReport.Rule rule : report.rules()) {
            out.append("<tr><td><code>").append(Html.esc(rule.rule())).append("</code></td><td>")
                    .append(rule.requests()).append("</td><td class=\"price\">")
                    .append(Html.esc(Html.money(rule.micros(), currency))).append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n<table>\n<caption>Would have been refused, per reason</caption>\n<tbody>\n");
        for (Map.Entry<String, Long> refusal : report.refusals().entrySet()) {
            out.append("<tr><td><code>").append(Html.esc(refusal.getKey())).append("</code></td><td>")
                    .append(refusal.getValue()).append("</td></tr>\n");
        }
        return out.append("</tbody>\n</table></section>\n").toString();
    }
}
