package dev.tollgate.protocol;

import java.util.Objects;

/**
 * Names used by the scrip scheme: the JWS type and claims of a scrip token and the x402 scheme and network it is
 * offered under.
 *
 * <p>Constants and pure functions only; thread-safe.
 *
 * @since 0.1
 */
public final class Scrip {

    /** The JWS {@code typ} header of a scrip token. */
    public static final String TYPE = "tollgate-scrip+jwt";

    /** The x402 {@code scheme} of scrip payments. */
    public static final String SCHEME = "scrip";

    /** The {@link PaymentPayload#payload()} property holding the scrip token. */
    public static final String TOKEN = "token";

    /** The claim holding the token's budget in micro-units. */
    public static final String BUDGET = "budget";

    /** The claim holding the ISO 4217 code of the budget. */
    public static final String CURRENCY = "cur";

    /** The prefix of a scrip x402 {@code network}; the broker id follows it. */
    public static final String NETWORK_PREFIX = "tollgate:";

    /** The longest broker id, which keeps network strings and log lines bounded. */
    public static final int MAX_BROKER_ID_LENGTH = 32;

    private Scrip() {
    }

    /**
     * Returns the x402 {@code network} of a broker: {@code "tollgate:" + brokerId}.
     *
     * @param brokerId 1 to 32 ASCII letters, digits, {@code -} or {@code _}
     * @return the network
     * @throws IllegalArgumentException if {@code brokerId} is not a valid broker id
     * @throws NullPointerException if {@code brokerId} is null
     */
    public static String network(String brokerId) {
        Objects.requireNonNull(brokerId, "brokerId cannot be null.");
        if (!isValidBrokerId(brokerId)) {
            // The id may come from an untrusted token, so it is described rather than echoed.
            throw new IllegalArgumentException("brokerId must be 1 to " + MAX_BROKER_ID_LENGTH
                    + " ASCII letters, digits, '-' or '_'; got " + brokerId.length() + " characters.");
        }
        return NETWORK_PREFIX + brokerId;
    }

    /**
     * Tells whether {@code brokerId} is 1 to 32 ASCII letters, digits, {@code -} or {@code _}.
     *
     * @param brokerId the candidate; may be null
     * @return true if it is a valid broker id
     */
    public static boolean isValidBrokerId(String brokerId) {
        if (brokerId == null || brokerId.isEmpty() || brokerId.length() > MAX_BROKER_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < brokerId.length(); i++) {
            char c = brokerId.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
