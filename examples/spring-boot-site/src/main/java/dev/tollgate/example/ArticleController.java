package dev.tollgate.example;

import dev.tollgate.gateway.Payment;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** Articles at 0.05 each (rule {@code /articles/**}); the page thanks the reader with what they paid. */
@RestController
class ArticleController {

    private static final Map<String, String> ARTICLES = Map.of(
            "micropayments", "Why a cent is too much to charge by card, and not too little to charge at all.",
            "scrip", "Prepaid, signed by a broker, spent click by click: scrip as the broker's promise to pay.");

    @GetMapping(value = "/articles/{slug}", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> article(@PathVariable String slug, Payment payment) {
        String text = ARTICLES.get(slug);
        if (text == null) {
            return ResponseEntity.notFound().build(); // the gateway refunds a charge the app answers 4xx to
        }
        return ResponseEntity.ok("<!doctype html><title>" + HtmlUtils.htmlEscape(slug) + "</title><p>"
                + HtmlUtils.htmlEscape(text) + "</p><p>Thank you, " + HtmlUtils.htmlEscape(payment.buyer())
                + ": receipt " + HtmlUtils.htmlEscape(payment.receiptId()) + ".</p>");
    }
}
