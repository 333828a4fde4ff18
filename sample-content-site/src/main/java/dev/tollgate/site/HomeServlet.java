package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/** The free home page: every item with its price and charge model, read from the config in force now. */
public final class HomeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        GatewayConfig config = Gateway.of(getServletContext()).config();
        StringBuilder main = new StringBuilder();
        main.append("<h1>").append(Html.esc(config.sellerName())).append("</h1>\n")
                .append("<p class=\"lede\">Articles, videos and data, a few cents each, paid with scrip from ")
                .append(Html.esc(config.broker().name())).append(". No subscription, no card form.</p>\n")
                .append("<table class=\"catalog\">\n<caption>Everything on sale, with today's prices</caption>\n")
                .append("<thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Kind</th>")
                .append("<th scope=\"col\">Price</th><th scope=\"col\">Charged</th></tr></thead>\n<tbody>\n");
        for (Catalog.Item item : Catalog.ITEMS) {
            Optional<PriceRule> rule = Catalog.ruleFor(config, item.path());
            main.append("<tr><td><a href=\"").append(Html.esc(item.path())).append("\">")
                    .append(Html.esc(item.title())).append("</a><br><small>").append(Html.esc(item.summary()))
                    .append("</small></td><td>").append(Html.esc(item.kind())).append("</td><td class=\"price\">")
                    .append(Html.esc(Html.price(rule))).append("</td><td>").append(Html.esc(Html.chargeModel(rule)))
                    .append("</td></tr>\n");
        }
        main.append("</tbody>\n</table>\n")
                .append("<p>Prices come from <code>").append(Html.esc(String.valueOf(config.source())))
                .append("</code>: edit one while the site runs and reload this page.</p>");
        Html.page(response, HttpServletResponse.SC_OK, config.sellerName(), "Home", main.toString());
    }
}
