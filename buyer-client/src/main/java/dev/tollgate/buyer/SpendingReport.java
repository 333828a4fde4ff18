package dev.tollgate.buyer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.protocol.Money;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;

/**
 * What was paid to whom for what: the totals per seller over the wallet's life and its latest receipts (at most
 * {@link Wallet#MAX_RECEIPTS}), as JSON or as a table for a person. Immutable.
 *
 * @param currency the ISO 4217 code of every amount
 * @param sellers paid and requests per seller
 * @param receipts the latest receipts, oldest first
 * @since 0.1
 */
public record SpendingReport(String currency, List<SellerTotal> sellers, List<Receipt> receipts) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one seller was paid over the wallet's life. */
    public record SellerTotal(String seller, long paidMicros, long requests) {
    }

    public SpendingReport {
        sellers = List.copyOf(sellers);
        receipts = List.copyOf(receipts);
    }

    static SpendingReport of(List<Receipt> receipts, Map<String, long[]> totals, String currency) {
        List<SellerTotal> sellers = new ArrayList<>();
        totals.forEach((seller, t) -> sellers.add(new SellerTotal(seller, t[0], t[1])));
        return new SpendingReport(currency, sellers, receipts);
    }

    /** All sellers' totals together, in micro-units. */
    public long totalMicros() {
        return sellers.stream().mapToLong(SellerTotal::paidMicros).sum();
    }

    /** The report as JSON: amounts are micro-units as decimal strings, as on the wire. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode().put("currency", currency).put("total", Long.toString(totalMicros()));
        ArrayNode s = root.putArray("sellers");
        for (SellerTotal t : sellers) {
            s.addObject().put("seller", t.seller()).put("paid", Long.toString(t.paidMicros()))
                    .put("requests", t.requests());
        }
        ArrayNode r = root.putArray("receipts");
        for (Receipt x : receipts) {
            ObjectNode o = r.addObject().put("time", x.time().toString()).put("seller", x.seller())
                    .put("url", x.url()).put("scheme", x.scheme()).put("charge", x.charge())
                    .put("amount", Long.toString(x.amountMicros())).put("transaction", x.transaction());
            if (x.refunded()) {
                o.put("refunded", true);
            }
            if (!x.note().isEmpty()) {
                o.put("note", x.note());
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The report as a table: totals per seller, then the latest receipts. */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-24s %14s %9s%n", "SELLER", "PAID", "REQUESTS"));
        for (SellerTotal t : sellers) {
            out.append(String.format("%-24s %14s %9d%n", t.seller(), money(t.paidMicros()), t.requests()));
        }
        out.append(String.format("%-24s %14s%n%n", "TOTAL", money(totalMicros())));
        out.append(String.format("%-20s %-16s %-10s %12s  %s%n", "TIME", "SELLER", "CHARGE", "AMOUNT", "URL"));
        for (Receipt x : receipts) {
            out.append(String.format("%-20s %-16s %-10s %12s  %s%s%n", x.time().toString().substring(0, 19),
                    x.seller(), x.charge(), money(x.amountMicros()), x.url(),
                    x.refunded() ? " (refunded)" : x.note().isEmpty() ? "" : " (" + x.note() + ")"));
        }
        return out.toString();
    }

    private String money(long micros) {
        return Money.ofMicros(micros, Currency.getInstance(currency)).toString();
    }
}
