package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.Scrip;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code accepts} entry of a 402 that this client can pay, read once: scheme, price, seller, charge model.
 *
 * @param requirements the entry, echoed back as {@code accepted}
 * @param priceMicros {@code amount}: the price of the request, or of one unit of a metered body
 * @param unitBytes the bytes one price pays for on a metered rule; 0 otherwise
 * @param maxChainLength the gateway's longest PayWord chain ({@code extra.maxChainLength}); 0 if not said
 * @param maxStep the most words one PayWord payment may reveal ({@code extra.maxStep}); 0 if not said
 * @param idempotent whether the seller advertises x402's {@code payment-identifier} extension, so a retry that
 *     carries the same payment id is never charged twice
 * @param origin the origin of the request the offer answers ({@link #originOf}): scrip and PayWord chains bought
 *     for a seller pay only requests to the origin they were bought at, since whoever receives them can spend them
 *     at the seller they name, and any site can name any seller as its {@code payTo}
 */
record Offer(PaymentRequirements requirements, long priceMicros, long unitBytes, int maxChainLength, int maxStep,
             boolean idempotent, String origin) {

    /** The x402 extension that makes a paid request safe to retry (docs/PROTOCOL.md section 11). */
    static final String PAYMENT_IDENTIFIER = "payment-identifier";
    /** The member of a PayWord entry's {@code extra} that names the header of compact words. */
    static final String COMPACT_HEADER = "compactHeader";
    /** The longest seller id ({@code payTo}) paid: the broker's ids are far shorter. */
    static final int MAX_SELLER_CHARS = 256;

    String scheme() {
        return requirements.scheme();
    }

    String seller() {
        return requirements.payTo();
    }

    String currency() {
        return requirements.asset();
    }

    String charge() {
        Object charge = requirements.extra().get("charge");
        return charge instanceof String s ? s : "per-click";
    }

    boolean metered() {
        return "metered".equals(charge());
    }

    boolean perStream() {
        return "per-stream".equals(charge());
    }

    /**
     * The entry of {@code required} to pay: PayWord if {@code preferPayWord} and offered, else scrip; only offers in
     * {@code currency} whose token endpoint is {@code tokenEndpoint} (scrip from another broker would be wasted).
     */
    static Offer choose(PaymentRequired required, String currency, String tokenEndpoint, boolean preferPayWord,
                        String origin) throws PaymentRefusedException {
        Offer scrip = null;
        Offer payword = null;
        StringBuilder seen = new StringBuilder();
        for (PaymentRequirements r : required.accepts()) {
            seen.append(seen.isEmpty() ? "" : ", ").append(r.scheme()).append(' ').append(r.asset());
            if (!currency.equals(r.asset()) || !tokenEndpoint.equals(r.extra().get("tokenEndpoint"))
                    || r.payTo() == null || r.payTo().length() > MAX_SELLER_CHARS) {
                continue; // a seller id is short: a long one would be kept with each scrip and chain in the wallet
            }
            long price;
            try {
                price = Money.parseMicros(r.amount());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (price <= 0 || price > ScripPayments.MAX_BUDGET) {
                continue; // neither scrip nor a certificate from the broker can hold more than its largest budget
            }
            Offer offer = new Offer(r, price, number(r.extra().get("unit")), integer(r.extra().get("maxChainLength")),
                    integer(r.extra().get("maxStep")), advertises(required.extensions()), origin);
            if (offer.metered() && offer.unitBytes() <= 0) {
                continue;
            }
            if (Scrip.SCHEME.equals(r.scheme()) && scrip == null) {
                scrip = offer;
            } else if (PayWord.SCHEME.equals(r.scheme()) && payword == null) {
                payword = offer;
            }
        }
        Offer chosen = preferPayWord && payword != null ? payword : scrip != null ? scrip : payword;
        if (chosen == null) {
            throw new PaymentRefusedException(0, "no_payable_offer", "the seller offers no payment this client "
                    + "can make (" + seen + "; this client pays " + currency + " with scrip or PayWord from "
                    + tokenEndpoint + ")", -1);
        }
        return chosen;
    }

    /** {@code scheme://host:port} of {@code uri}, lower-cased, with the scheme's default port written out. */
    static String originOf(URI uri) {
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        return scheme + "://" + String.valueOf(uri.getHost()).toLowerCase(Locale.ROOT) + ":" + port;
    }

    private static boolean advertises(Map<String, Object> extensions) {
        return extensions != null && extensions.containsKey(PAYMENT_IDENTIFIER);
    }

    private static int integer(Object value) {
        return (int) Math.min(Integer.MAX_VALUE, number(value));
    }

    /**
     * The broker id a compact PayWord word names (docs/PROTOCOL.md section 8, "Compact words"), or {@code null} when
     * this offer does not take them: not PayWord, its {@code extra} does not name {@code TOLLGATE-PAYWORD}, or its
     * network is not {@code tollgate:<broker id>}.
     */
    String compactWordBroker() {
        String network = requirements.network();
        if (!PayWord.SCHEME.equals(scheme()) || network == null || !network.startsWith(Scrip.NETWORK_PREFIX)
                || !PaymentHeaders.TOLLGATE_PAYWORD.equals(requirements.extra().get(COMPACT_HEADER))) {
            return null;
        }
        String broker = network.substring(Scrip.NETWORK_PREFIX.length());
        return Scrip.isValidBrokerId(broker) ? broker : null;
    }

    /** The most units one metered payment of this offer may buy: PayWord reveals at most {@code maxStep} words. */
    long unitsPerPayment(long wanted) {
        return PayWord.SCHEME.equals(scheme()) && maxStep > 0 ? Math.min(wanted, maxStep) : wanted;
    }

    private static long number(Object value) {
        return value instanceof Number n && n.longValue() > 0 ? n.longValue() : 0;
    }

    /** The error code of a 402, or {@code payment_required}. */
    static String code(PaymentRequired required) {
        return required.error() == null ? "payment_required" : required.error();
    }

    /** The person-readable message of a 402 ({@code extensions.tollgate.message}), or its code. */
    @SuppressWarnings("unchecked")
    static String message(PaymentRequired required) {
        if (required.extensions() != null && required.extensions().get("tollgate") instanceof Map<?, ?> t
                && ((Map<String, Object>) t).get("message") instanceof String m) {
            return m;
        }
        return code(required);
    }

    /** {@code extensions.tollgate.chain} of a PayWord refusal: the chain's head, or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> chainHead(PaymentRequired required) {
        if (required.extensions() != null && required.extensions().get("tollgate") instanceof Map<?, ?> t
                && ((Map<String, Object>) t).get("chain") instanceof Map<?, ?> chain) {
            return (Map<String, Object>) chain;
        }
        return null;
    }

    static final List<String> RENEWABLE = List.of("insufficient_budget", "expired_token", "too_many_refunds");
}
