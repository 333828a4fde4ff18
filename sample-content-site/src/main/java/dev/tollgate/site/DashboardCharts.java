package dev.tollgate.site;

import dev.tollgate.gateway.SalesReport;
import dev.tollgate.gateway.ledger.Sales;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;

/**
 * The dashboard's charts: revenue per hour over the last day and per day over the last two weeks, from the latest
 * charges the report carries ({@link AdminServlet#CHARGES}), and paid against refused requests per hour
 * ({@link Traffic}).
 */
final class DashboardCharts {

    static final int DAYS = 14;
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:00").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM").withZone(ZoneOffset.UTC);

    private DashboardCharts() {
    }

    static String section(SalesReport report, Currency currency, long[][] traffic, Instant now) {
        long hourNow = Math.floorDiv(now.toEpochMilli(), 3_600_000L);
        long dayNow = Math.floorDiv(now.toEpochMilli(), 86_400_000L);
        long[][] perHour = new long[Traffic.HOURS][1];
        long[][] perDay = new long[DAYS][1];
        for (Sales.Charge c : report.recentCharges()) {
            if (c.refunded()) {
                continue;
            }
            long hour = Math.floorDiv(c.at().toEpochMilli(), 3_600_000L);
            long day = Math.floorDiv(c.at().toEpochMilli(), 86_400_000L);
            int h = (int) (hour - (hourNow - Traffic.HOURS + 1));
            int d = (int) (day - (dayNow - DAYS + 1));
            if (h >= 0 && h < Traffic.HOURS) {
                perHour[h][0] += c.amountMicros();
            }
            if (d >= 0 && d < DAYS) {
                perDay[d][0] += c.amountMicros();
            }
        }
        Charts.Format money = micros -> Html.money(micros, currency);
        Charts.Format count = n -> n + (n == 1 ? " request" : " requests");
        return "<section><h2>Over time</h2>\n<p><small>Times in UTC; revenue from the latest " + AdminServlet.CHARGES
                + " charges, requests since the site started.</small></p>\n"
                + Charts.svg(new Charts.Bars("Revenue per hour, last 24 hours", labels(hourNow, Traffic.HOURS,
                        3_600_000L, HOUR), List.of("Revenue"), perHour, money, 3))
                + Charts.svg(new Charts.Bars("Paid and refused requests per hour, last 24 hours", labels(hourNow,
                        Traffic.HOURS, 3_600_000L, HOUR), List.of("Paid", "Refused (402)"), traffic, count, 3))
                + Charts.svg(new Charts.Bars("Revenue per day, last 14 days", labels(dayNow, DAYS, 86_400_000L, DAY),
                        List.of("Revenue"), perDay, money, 2))
                + "</section>\n";
    }

    private static List<String> labels(long last, int count, long unitMillis, DateTimeFormatter format) {
        List<String> labels = new ArrayList<>(count);
        for (long unit = last - count + 1; unit <= last; unit++) {
            labels.add(format.format(Instant.ofEpochMilli(unit * unitMillis)));
        }
        return labels;
    }
}
