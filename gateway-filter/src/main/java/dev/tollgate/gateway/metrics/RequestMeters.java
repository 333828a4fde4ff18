package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The meters of the request path, for one config (its rules are the {@code rule} tags): made by
 * {@link GatewayMetrics#requests} when a config comes into force and kept in its {@code Snapshot}. Each meter is made
 * once, so a request allocates nothing and looks nothing up in a registry. Thread-safe.
 */
public interface RequestMeters {

    /** Meters that record nothing: no Micrometer, or no registry. */
    RequestMeters NONE = new RequestMeters() {
        @Override
        public long start() {
            return 0;
        }

        @Override
        public void verified(long started, boolean cached) {
        }

        @Override
        public void ledgerCharged(long started) {
        }

        @Override
        public void accepted(String scheme) {
        }

        @Override
        public void refused(ErrorCode code, String scheme) {
        }

        @Override
        public void earned(PriceRule rule, long micros) {
        }

        @Override
        public void answered(HttpServletRequest request, String scheme) {
        }
    };

    /** The scheme tag of a refusal before any payment was read (none sent, or one that did not read). */
    String NO_SCHEME = "none";

    /** {@link System#nanoTime()} to time something from, or 0 when nothing is timed. */
    long start();

    /** A credential was read since {@code started}: found in the credential cache, or verified first-seen. */
    void verified(long started, boolean cached);

    /** A charge was recorded in the ledger since {@code started}. */
    void ledgerCharged(long started);

    /** A payment of {@code scheme} was accepted and the request forwarded. */
    void accepted(String scheme);

    /** A payment was refused with {@code code}; {@code scheme} is {@link #NO_SCHEME} if none was read. */
    void refused(ErrorCode code, String scheme);

    /** {@code micros} were charged under {@code rule}, one of this config's. */
    void earned(PriceRule rule, long micros);

    /**
     * A priced request is done with the gateway's stages: counts it refused if an answer marked it
     * ({@link Answers#REFUSED_ATTRIBUTE}), accepted if it reached the app with a {@link Payment}.
     */
    default void answered(HttpServletRequest request, String scheme) {
        Object refused = request.getAttribute(Answers.REFUSED_ATTRIBUTE);
        if (refused instanceof ErrorCode code) {
            refused(code, scheme);
        } else if (request.getAttribute(Payment.REQUEST_ATTRIBUTE) != null) {
            accepted(scheme);
        }
    }
}
