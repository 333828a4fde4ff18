package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.SalesReport;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.protocol.Money;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;

/**
 * {@code /admin/charges.csv}: the latest charges ({@link AdminServlet#CHARGES}), newest first, as RFC 4180 CSV for a
 * spreadsheet: {@code time,item,path,amount,currency,receipt,refunded}. A cell that a spreadsheet would read as a
 * formula ({@code = + - @}, a tab or a carriage return first; paths come from requests) is prefixed with {@code '}.
 */
final class ChargesCsv {

    static final String HEADER = "time,item,path,amount,currency,receipt,refunded";

    private ChargesCsv() {
    }

    static void send(HttpServletResponse response, SalesReport report, GatewayConfig config) throws IOException {
        StringBuilder csv = new StringBuilder(HEADER).append("\r\n");
        for (Sales.Charge c : report.recentCharges()) {
            csv.append(DateTimeFormatter.ISO_INSTANT.format(c.at())).append(',')
                    .append(cell(Catalog.titleOf(config, c.resource()))).append(',').append(cell(c.resource()))
                    .append(',').append(Money.ofMicros(c.amountMicros(), config.currency()).toDecimalString())
                    .append(',').append(config.currency().getCurrencyCode()).append(',').append(cell(c.receiptId()))
                    .append(',').append(c.refunded()).append("\r\n");
        }
        byte[] body = csv.toString().getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("text/csv;charset=utf-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"charges.csv\"");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** One cell: quoted when it holds a comma, quote or line break; never read as a formula. */
    static String cell(String value) {
        String text = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
