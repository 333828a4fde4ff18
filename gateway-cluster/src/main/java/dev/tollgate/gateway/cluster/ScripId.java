package dev.tollgate.gateway.cluster;

import java.util.Objects;

/**
 * Identity of a scrip across the cluster, {@code (issuer, jti)}, and the Redis key of its budget. Immutable.
 *
 * @param issuer the broker's issuer URL ({@code iss})
 * @param jti the scrip id, unique per issuer
 */
public record ScripId(String issuer, String jti) {

    private static final String PREFIX = "tollgate:{scrip:";
    private static final String SUFFIX = "}:budget";

    public ScripId {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
    }

    /**
     * The key of the scrip's hash: {@code tollgate:{scrip:<issuer length>:<issuer>:<jti>}:budget}. The braces are a
     * Redis Cluster hash tag, so every key of one scrip is in one slot; the length keeps {@code (a:b, c)} and
     * {@code (a, b:c)} apart.
     */
    String key() {
        return PREFIX + issuer.length() + ':' + issuer + ':' + jti + SUFFIX;
    }

    /**
     * The key of an x402 payment identifier used on this scrip, {@code tollgate:{scrip:...}:pay:<idHash>}: in the
     * scrip's slot, so identifiers of one scrip never meet another's (PaymentClaims).
     */
    String paymentKey(String idHash) {
        return PREFIX + issuer.length() + ':' + issuer + ':' + jti + "}:pay:" + idHash;
    }

    /** The scrip whose {@link #key()} this is. */
    static ScripId fromKey(String key) {
        if (!key.startsWith(PREFIX) || !key.endsWith(SUFFIX)) {
            throw new IllegalArgumentException("not a scrip key: " + key);
        }
        String body = key.substring(PREFIX.length(), key.length() - SUFFIX.length());
        int colon = body.indexOf(':');
        int length = colon > 0 ? Integer.parseInt(body.substring(0, colon)) : -1;
        if (length < 0 || colon + 1 + length >= body.length() || body.charAt(colon + 1 + length) != ':') {
            throw new IllegalArgumentException("not a scrip key: " + key);
        }
        return new ScripId(body.substring(colon + 1, colon + 1 + length), body.substring(colon + 2 + length));
    }
}
