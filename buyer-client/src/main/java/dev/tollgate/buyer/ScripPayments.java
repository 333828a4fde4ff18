package dev.tollgate.buyer;

import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.Scrip;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;

/**
 * Pays with scrip: reuses the wallet's scrip for a seller until its budget is spent, and buys new scrip from the
 * broker sized by the policy ({@code requestsPerScrip} prices, within what the limits leave). One purchase per
 * seller at a time: threads that find no scrip wait for it rather than each buying. Thread-safe.
 */
final class ScripPayments {

    /** Seconds a scrip must stay valid after a payment is sent ({@code maxTimeoutSeconds} of the offers). */
    static final long MARGIN_SECONDS = 60;
    /** The largest budget the broker issues (broker/README.md). */
    static final long MAX_BUDGET = 100_000_000;
    static final int TTL_SECONDS = 3600;
    /** Refusals of a repeat reference after which the token pays instead (PROTOCOL.md section 12). */
    static final java.util.Set<String> REFERENCE_REFUSED = java.util.Set.of("invalid_reference", "unknown_reference");

    private final BrokerApi broker;
    private final Wallet wallet;
    private final Budget budget;
    private final Clock clock;
    private final int requestsPerScrip;
    /** One purchase per seller and origin at a time; striped, so that any number of origins costs no memory. */
    private final Object[] purchases = Locks.stripes();

    ScripPayments(BrokerApi broker, Wallet wallet, Budget budget, Clock clock, int requestsPerScrip) {
        this.broker = broker;
        this.wallet = wallet;
        this.budget = budget;
        this.clock = clock;
        this.requestsPerScrip = requestsPerScrip;
    }

    /**
     * A payment of {@code offer}. For a metered offer {@code cap} is the most the request may cost: it gets a scrip
     * of its own whose whole remainder is at most that, since the gateway may draw all of it.
     */
    Payment prepare(Offer offer, long cap) throws IOException, InterruptedException, PaymentException {
        String seller = offer.seller();
        long price = offer.metered() ? cap : offer.priceMicros();
        Budget.Reservation money = budget.reserve(seller, price, price);
        try {
            ScripEntry entry = offer.metered() ? meteredScrip(offer, cap) : sharedScrip(offer);
            long onScrip = offer.metered() ? entry.inFlight : price;
            return new ScripPayment(offer, entry, onScrip, money, offer.metered() ? null : entry.reference);
        } catch (IOException | InterruptedException | PaymentException | RuntimeException e) {
            budget.settle(money, 0);
            throw e;
        }
    }

    private ScripEntry sharedScrip(Offer offer) throws IOException, InterruptedException, PaymentException {
        String seller = offer.seller();
        long price = offer.priceMicros();
        ScripEntry entry = wallet.leaseShared(offer, price, clock.instant(), MARGIN_SECONDS);
        if (entry != null) {
            return entry;
        }
        synchronized (Locks.of(purchases, seller, offer.origin())) {
            entry = wallet.leaseShared(offer, price, clock.instant(), MARGIN_SECONDS);
            if (entry != null) {
                return entry; // another thread bought while this one waited
            }
            // A seller can claim a scrip's whole budget whatever its receipts say: what the client spent and what the
            // scrip it bought still holds unspent fit in the limits together.
            long room = budget.scripRoom(seller, price, wallet.unspentBoughtHere(seller),
                    wallet.unspentBoughtHere(null));
            long size = Math.min(MAX_BUDGET, Math.max(price, Math.min(saturatedTimes(price, requestsPerScrip),
                    price + room)));
            buy(offer, size);
            entry = wallet.leaseShared(offer, price, clock.instant(), MARGIN_SECONDS);
            if (entry == null) {
                throw new IllegalStateException("scrip just bought cannot pay " + price);
            }
            return entry;
        }
    }

    private ScripEntry meteredScrip(Offer offer, long cap) throws IOException, InterruptedException,
            PaymentException {
        ScripEntry entry = wallet.leaseExclusive(offer, offer.priceMicros(), cap, clock.instant(), MARGIN_SECONDS);
        if (entry == null) {
            buy(offer, Math.min(MAX_BUDGET, cap));
            entry = wallet.leaseExclusive(offer, offer.priceMicros(), cap, clock.instant(), MARGIN_SECONDS);
        }
        if (entry == null) {
            throw new IllegalStateException("scrip just bought cannot pay a metered request");
        }
        return entry;
    }

    private void buy(Offer offer, long size) throws IOException, InterruptedException, PaymentException {
        BrokerApi.IssuedScrip issued = broker.buyScrip(offer.seller(), size, TTL_SECONDS);
        ScripEntry bought = new ScripEntry(offer.seller(), offer.origin(), issued.token(), issued.jti(),
                issued.budget(), issued.expiresAt(), 0);
        bought.boughtHere = true;
        wallet.add(bought);
    }

    private static long saturatedTimes(long price, int times) {
        return price > Long.MAX_VALUE / times ? Long.MAX_VALUE : price * times;
    }

    private final class ScripPayment implements Payment {

        private final Offer offer;
        private final ScripEntry entry;
        private final long onScrip;
        private final Budget.Reservation money;
        /** The reference sent instead of the token, or null. */
        private final String reference;

        ScripPayment(Offer offer, ScripEntry entry, long onScrip, Budget.Reservation money, String reference) {
            this.offer = offer;
            this.entry = entry;
            this.onScrip = onScrip;
            this.money = money;
            this.reference = reference;
        }

        @Override
        public Map<String, Object> payload() {
            return Map.of(Scrip.TOKEN, entry.token);
        }

        @Override
        public String reference() {
            return reference;
        }

        @Override
        public void offered(String offered) {
            entry.reference = offered;
        }

        @Override
        public long atRiskMicros() {
            return money.micros;
        }

        @Override
        public long mostChargeableMicros() {
            return entry.budget;
        }

        @Override
        public boolean retryCannotChargeTwice() {
            return offer.perStream();
        }

        @Override
        public void paid(long charged, long remaining) {
            long unseen = wallet.settle(entry, onScrip, charged, remaining);
            budget.settle(money, charged);
            if (unseen > 0) {
                budget.spentUnreserved(offer.seller(), unseen);
            }
        }

        @Override
        public boolean refused(String code, PaymentRequired refusal) {
            budget.settle(money, 0);
            if (reference != null && REFERENCE_REFUSED.contains(code)) {
                entry.reference = null; // the seller no longer takes it (a restart with a new key, another node): pay
                wallet.settle(entry, onScrip, 0, -1); // with the token, whose receipt may offer a new one
                return true;
            }
            if (Offer.RENEWABLE.contains(code) || "invalid_token".equals(code) || "unknown_key".equals(code)) {
                // Counted as spent, or a seller refusing every scrip would be handed new ones without limit.
                budget.spentUnreserved(offer.seller(), wallet.retire(entry, onScrip));
                return true;
            }
            wallet.settle(entry, onScrip, 0, -1);
            return "price_changed".equals(code);
        }

        @Override
        public void lost() {
            wallet.settle(entry, onScrip, onScrip, -1);
            budget.settle(money, money.micros);
        }
    }
}
