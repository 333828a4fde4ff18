package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.settlement.SettledBroker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the seller has sold, for a dashboard ({@link TollgateFilter#report(int)}). Amounts are micro-units of
 * {@link #currency()}. The totals per broker add up exactly to the overall ones. Immutable.
 *
 * @param currency the ISO 4217 code of every amount
 * @param revenueByResource revenue per request path (or stream key), net of refunds, highest first
 * @param totalMicros all revenue, net of refunds
 * @param recentCharges the latest charges, newest first, with time, resource, amount, receipt id and whether they
 *                      were refunded
 * @param settledMicros what the brokers have confirmed paying
 * @param unsettledMicros what is charged but waits for the brokers' confirmation
 * @param byBroker the revenue and settlement of each broker's scrip and chains: the configured brokers in the
 *                 config's order, then any other issuer the ledger has charges of (a broker removed from the config)
 *                 (since 0.5)
 * @since 0.2
 */
public record SalesReport(String currency, List<Sales.Resource> revenueByResource, long totalMicros,
                          List<Sales.Charge> recentCharges, long settledMicros, long unsettledMicros,
                          List<Broker> byBroker) {

    public SalesReport {
        Objects.requireNonNull(currency, "currency cannot be null.");
        revenueByResource = List.copyOf(revenueByResource);
        recentCharges = List.copyOf(recentCharges);
        byBroker = List.copyOf(byBroker);
    }

    /**
     * What one broker's scrip and chains were charged and settled.
     *
     * @param id the broker's id; its issuer for an issuer no broker known to the gateway has
     * @param name its display name; its issuer likewise
     * @param issuer the {@code iss} of its scrip
     * @param revenueMicros its charges net of refunds
     * @param charges how many of its charges were not refunded
     * @param settledMicros what it has confirmed paying
     * @param unsettledMicros what is charged on its scrip and chains and waits for its confirmation
     * @since 0.5
     */
    public record Broker(String id, String name, String issuer, long revenueMicros, long charges, long settledMicros,
                         long unsettledMicros) {
        public Broker {
            Objects.requireNonNull(id, "id cannot be null.");
            Objects.requireNonNull(name, "name cannot be null.");
            Objects.requireNonNull(issuer, "issuer cannot be null.");
        }
    }

    /**
     * The report of {@code sales}, its totals per issuer named by {@code brokers} (in the order to list them); issuers
     * they do not name follow, named by themselves.
     */
    static SalesReport of(String currency, Sales sales, List<SettledBroker> brokers) {
        List<Broker> byBroker = new ArrayList<>();
        Set<String> named = new HashSet<>();
        for (SettledBroker broker : brokers) {
            Sales.Issuer totals = sales.byIssuer().stream().filter(t -> t.issuer().equals(broker.issuer()))
                    .findFirst().orElse(new Sales.Issuer(broker.issuer(), 0, 0, 0, 0));
            byBroker.add(of(broker.id(), broker.name(), totals));
            named.add(broker.issuer());
        }
        for (Sales.Issuer totals : sales.byIssuer()) {
            if (!named.contains(totals.issuer())) {
                byBroker.add(of(totals.issuer(), totals.issuer(), totals));
            }
        }
        return new SalesReport(currency, sales.byResource(), sales.revenueMicros(), sales.recent(),
                sales.settledMicros(), sales.unsettledMicros(), byBroker);
    }

    private static Broker of(String id, String name, Sales.Issuer totals) {
        return new Broker(id, name, totals.issuer(), totals.revenueMicros(), totals.charges(), totals.settledMicros(),
                totals.unsettledMicros());
    }
}
