package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.payment.FailedVerifications;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;

/**
 * The failed-verification limit ({@link FailedVerifications}) as the browser flow's callback applies it. Anyone may
 * post the callback form, so each callback refused for its state or its token counts against the posting address,
 * and an address with no failure left is refused before its token is read. A callback that carries its own browser's
 * fresh state is counted and refused in a bucket of its own as well: others posting bad callbacks from the same
 * address (a NAT, a proxy) never cost a returning buyer the purchase, while one address cannot buy unlimited
 * signature checks with free paywall views either, since each view gives one state and a failed callback on it
 * counts there. A buyer back from the broker carries scrip it has just been issued, which does not fail.
 * Thread-safe.
 */
public final class CallbackGuard {

    private final FailedVerifications failures;
    private final FailedVerifications ownStateFailures;

    /**
     * @param failures the failed verifications every paid path counts
     * @param ownStateFailures those of callbacks with their browser's own fresh state
     */
    public CallbackGuard(FailedVerifications failures, FailedVerifications ownStateFailures) {
        this.failures = Objects.requireNonNull(failures);
        this.ownStateFailures = Objects.requireNonNull(ownStateFailures);
    }

    /**
     * Refuses the callback if its address has no failure left: in the own-state bucket when {@code ownState}, else
     * in the one every paid path counts.
     */
    void check(HttpServletRequest request, GatewayConfig.ClientLimits limits, boolean ownState)
            throws FailedVerifications.TooManyFailures {
        String client = FailedVerifications.clientOf(request, limits);
        (ownState ? ownStateFailures : failures).check(client, limits);
    }

    /** Counts a callback refused for its state or its token; {@code ownState}: it counts in both buckets. */
    void failed(HttpServletRequest request, GatewayConfig.ClientLimits limits, boolean ownState) {
        String client = FailedVerifications.clientOf(request, limits);
        failures.failed(client, limits);
        if (ownState) {
            ownStateFailures.failed(client, limits);
        }
    }
}
