package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PaywallOffer;
import dev.tollgate.gateway.PriceRule;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code /videos/<slug>/}: a video's player page, with its title, its price, how long one payment lets the reader
 * watch and what is left on the budget. The page and its file {@code /videos/<slug>/video.mp4} are one stream of the
 * per-stream rule ({@code stream: /videos/{id}/**}): opening the page pays the stream, and the player's Range requests
 * for the file pass on that payment. The file stays directly payable for programs; Jetty's static servlet serves it.
 * {@code web.xml} maps each page's path here exactly ({@code /videos/<slug>/} and {@code /videos/<slug>}).
 */
public final class VideoServlet extends HttpServlet {

    /** One video: its folder under {@code /videos/}, its title and a sentence about it. */
    record Video(String slug, String title, String summary) {

        String page() {
            return "/videos/" + slug + "/";
        }

        String file() {
            return "/videos/" + slug + "/video.mp4";
        }
    }

    static final List<Video> ALL = List.of(
            new Video("test-pattern", "Test pattern, with tone",
                    "Six seconds of the classic test card: a playable MP4 streamed with Range requests."),
            new Video("mandelbrot", "A dive into the Mandelbrot set",
                    "Eight seconds of zoom, rendered by ffmpeg's fractal generator."));

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String path = request.getServletPath();
        Optional<Video> page = ALL.stream().filter(v -> path.equals(v.page()) || path.equals("/videos/" + v.slug()))
                .findFirst();
        if (page.isEmpty()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        Video video = page.get();
        GatewayConfig config = Gateway.of(getServletContext()).config();
        String siteName = config.sellerName();
        Optional<PaywallOffer> unpaid = PaywallOffer.of(request);
        if (unpaid.isPresent()) {
            Html.page(response, 402, siteName, video.title(), "<h1>" + Html.esc(video.title()) + "</h1>\n<p class=\""
                    + "lede\">" + Html.esc(video.summary()) + "</p>\n" + Paybox.of(unpaid.get(), siteName));
            return;
        }
        Optional<PriceRule> rule = Catalog.ruleFor(config, video.page());
        Object paid = request.getAttribute(Payment.REQUEST_ATTRIBUTE);
        StringBuilder main = new StringBuilder("<article class=\"video\">\n<h1>").append(Html.esc(video.title()))
                .append("</h1>\n").append(Html.paymentBox(paid)).append('\n')
                .append("<video controls preload=\"metadata\" src=\"").append(Html.esc(video.file()))
                .append("\">Your browser cannot play this MP4: <a href=\"").append(Html.esc(video.file()))
                .append("\">download it</a>.</video>\n<dl class=\"figures\">")
                .append(figure("Price", Html.price(rule)))
                .append(figure("Watch for", rule.flatMap(PriceRule::window).map(VideoServlet::hours)
                        .orElse("as long as it is free")));
        if (paid instanceof Payment p) {
            main.append(figure("Left on your budget", Html.money(p.remainingMicros(), p.currency())));
        }
        main.append("</dl>\n<p>").append(Html.esc(video.summary())).append(" Reload or replay as often as you like "
                + "within the window: it is paid once.</p>\n</article>\n<p><a href=\"/\">More from ")
                .append(Html.esc(siteName)).append("</a></p>");
        Html.page(response, 200, siteName, video.title(), main.toString());
    }

    /** "4 hours from the first payment". */
    private static String hours(java.time.Duration window) {
        long minutes = window.toMinutes();
        return (minutes % 60 == 0 ? minutes / 60 + (minutes == 60 ? " hour" : " hours") : minutes + " minutes")
                + " from the first payment";
    }

    private static String figure(String term, String value) {
        return "<div><dt>" + Html.esc(term) + "</dt><dd>" + Html.esc(value) + "</dd></div>";
    }
}
