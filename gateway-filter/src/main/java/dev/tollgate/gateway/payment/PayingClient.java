package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.GatewayConfig;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Whose failed verifications a read counts against ({@link FailedVerifications}), and the limits: the address is
 * found only if a signature is to be checked, which a repeat scrip click never needs (a PayWord payment by chain id
 * always asks: each new word costs hashing). Used by one request's thread.
 */
final class PayingClient {

    private final HttpServletRequest request;
    private final GatewayConfig.ClientLimits limits;
    private String address;

    PayingClient(HttpServletRequest request, GatewayConfig.ClientLimits limits) {
        this.request = request;
        this.limits = limits;
    }

    String address() {
        if (address == null) {
            address = FailedVerifications.clientOf(request, limits);
        }
        return address;
    }

    GatewayConfig.ClientLimits limits() {
        return limits;
    }
}
