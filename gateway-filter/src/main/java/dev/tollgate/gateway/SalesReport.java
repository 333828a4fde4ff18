package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Sales;
import java.util.List;
import java.util.Objects;

/**
 * What the seller has sold, for a dashboard ({@link TollgateFilter#report(int)}). Amounts are micro-units of
 * {@link #currency()}. Immutable.
 *
 * @param currency the ISO 4217 code of every amount
 * @param revenueByResource revenue per request path (or stream key), net of refunds, highest first
 * @param totalMicros all revenue, net of refunds
 * @param recentCharges the latest charges, newest first, with time, resource, amount, receipt id and whether they
 *                      were refunded
 * @param settledMicros what the broker has confirmed paying
 * @param unsettledMicros what is charged but waits for the broker's confirmation
 * @since 0.2
 */
public record SalesReport(String currency, List<Sales.Resource> revenueByResource, long totalMicros,
                          List<Sales.Charge> recentCharges, long settledMicros, long unsettledMicros) {

    public SalesReport {
        Objects.requireNonNull(currency, "currency cannot be null.");
        revenueByResource = List.copyOf(revenueByResource);
        recentCharges = List.copyOf(recentCharges);
    }

    static SalesReport of(String currency, Sales sales) {
        return new SalesReport(currency, sales.byResource(), sales.revenueMicros(), sales.recent(),
                sales.settledMicros(), sales.unsettledMicros());
    }
}
