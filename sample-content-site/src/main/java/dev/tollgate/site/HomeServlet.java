package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.stream.Collectors;

/** The free home page: every item with its price and charge model, read from the config in force now. */
public final class HomeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        GatewayConfig config = Gateway.of(getServletContext()).config();
        StringBuilder main = new StringBuilder();
        String brokers = config.brokers().stream().map(b -> Html.esc(b.name())).collect(Collectors.joining(" or "));
        main.append("<h1>").append(Html.esc(config.sellerName())).append("</h1>\n")
                .append("<p class=\"lede\">Articles, videos and data, a few cents each, paid with scrip from ")
                .append(brokers).append(". No subscription, no card form.</p>\n")
                .append(brokersExplained(config))
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
                .append("<p>Prices come from the gateway's configuration: edit one while the site runs and reload "
                        + "this page.</p>");
        Html.page(response, HttpServletResponse.SC_OK, config.sellerName(), "Home", main.toString());
    }

    /** With several brokers, what that means for a buyer: pay at whichever one you have an account with. */
    private static String brokersExplained(GatewayConfig config) {
        if (config.brokers().size() < 2) {
            return "";
        }
        StringBuilder out = new StringBuilder("<p>This site accepts ").append(config.brokers().size())
                .append(" brokers, as a shop takes several card networks: ");
        out.append(config.brokers().stream().map(b -> "<strong>" + Html.esc(b.name()) + "</strong> (<code>"
                + Html.esc(b.issuer()) + "</code>)").collect(Collectors.joining(" and ")));
        return out.append(". Each is a separate broker with its own accounts, keys and books: a paywall offers a "
                + "<em>Pay with</em> button for each, you pay at the one you have an account with, and each broker "
                + "pays the site for its own buyers' scrip. Programs choose by the x402 network, "
                + "<code>tollgate:&lt;broker id&gt;</code>. The site never sees a card: the brokers hold their "
                + "buyers' funds.</p>\n").toString();
    }
}
