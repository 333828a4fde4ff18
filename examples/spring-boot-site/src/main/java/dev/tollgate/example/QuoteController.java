package dev.tollgate.example;

import dev.tollgate.gateway.Payment;
import java.util.Map;
import java.util.Optional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The API: {@code /api/quotes/{symbol}} costs 0.001 a call (rule {@code /api/quotes/**}); {@code /api/status} is
 * free. The gateway has charged a quote request before this controller sees it: the controller only reads what was
 * paid.
 */
@RestController
class QuoteController {

    @GetMapping("/api/quotes/{symbol}")
    Map<String, Object> quote(@PathVariable String symbol, Payment payment) {
        return Map.of("symbol", symbol, "price", quoteOf(symbol),
                "paidMicros", payment.amountMicros(), "receipt", payment.receiptId());
    }

    /** Free: an optional payment is empty here, since no rule prices this path. */
    @GetMapping("/api/status")
    Map<String, Object> status(Optional<Payment> payment) {
        return Map.of("status", "up", "paid", payment.isPresent());
    }

    /** A made-up but stable quote, so the example needs no market data. */
    private static String quoteOf(String symbol) {
        int cents = Math.floorMod(symbol.hashCode(), 100_000);
        return (cents / 100) + "." + String.format("%02d", cents % 100);
    }
}
