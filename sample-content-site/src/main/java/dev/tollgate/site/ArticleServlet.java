package dev.tollgate.site;

import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PaywallOffer;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code /articles/<slug>}: the article, with what the gateway just charged for it; unpaid ({@code paywall: app}), its
 * opening and the pay box.
 */
public final class ArticleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String siteName = Gateway.of(getServletContext()).config().sellerName();
        String info = request.getPathInfo();
        Optional<Articles.Article> found = info == null ? Optional.empty() : Articles.bySlug(info.substring(1));
        if (found.isEmpty()) {
            Html.page(response, HttpServletResponse.SC_NOT_FOUND, siteName, "Not found",
                    "<h1>No such article</h1>\n<p><a href=\"/\">All articles</a></p>");
            return;
        }
        Articles.Article article = found.get();
        Optional<PaywallOffer> unpaid = PaywallOffer.of(request);
        if (unpaid.isPresent()) {
            // paywall: app: the opening and the pay box; the gateway holds the status at 402 whatever is set here.
            Html.page(response, 402, siteName, article.title(), "<article>\n<h1>" + Html.esc(article.title())
                    + "</h1>\n<p class=\"lede\">" + Html.esc(article.standfirst()) + "</p>\n<p class=\"opening\">"
                    + Html.esc(article.paragraphs().get(0)) + "</p>\n</article>\n" + Paybox.of(unpaid.get(), siteName));
            return;
        }
        StringBuilder main = new StringBuilder("<article>\n<h1>").append(Html.esc(article.title())).append("</h1>\n")
                .append(Html.paymentBox(request.getAttribute(Payment.REQUEST_ATTRIBUTE))).append('\n')
                .append("<p class=\"lede\">").append(Html.esc(article.standfirst())).append("</p>\n");
        for (String paragraph : article.paragraphs()) {
            main.append("<p>").append(Html.esc(paragraph)).append("</p>\n");
        }
        main.append("</article>\n<p><a href=\"/\">More from ").append(Html.esc(siteName)).append("</a></p>");
        Html.page(response, HttpServletResponse.SC_OK, siteName, article.title(), main.toString());
    }
}
