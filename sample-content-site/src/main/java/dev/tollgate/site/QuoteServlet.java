package dev.tollgate.site;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.Payment;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/quote}: one quotation as JSON, the API a program pays for per call. */
public final class QuoteServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String[]> QUOTES = List.of(
            new String[] {"Simplicity is prerequisite for reliability.", "Edsger W. Dijkstra"},
            new String[] {"Premature optimization is the root of all evil.", "Donald E. Knuth"},
            new String[] {"Make it work, make it right, make it fast.", "Kent Beck"},
            new String[] {"The cheapest, fastest and most reliable components are those that aren't there.",
                "Gordon Bell"});

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String[] quote = QUOTES.get((int) (LocalDate.now(ZoneOffset.UTC).toEpochDay() % QUOTES.size()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("quote", quote[0]);
        body.put("author", quote[1]);
        if (request.getAttribute(Payment.REQUEST_ATTRIBUTE) instanceof Payment p) {
            body.put("paid", Long.toString(p.amountMicros()));
            body.put("remaining", Long.toString(p.remainingMicros()));
            body.put("currency", p.currency());
        }
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        JSON.writeValue(response.getOutputStream(), body);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        doGet(request, response);
    }
}
