package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.route.Snapshot;
import java.util.stream.Collectors;

/**
 * Which of the config's brokers a payment is made at, and whether that may be: the x402 network a header names
 * ({@code tollgate:<broker id>}) is a broker's, the token or certificate was issued by that same broker, and the rule
 * accepts it. Checked when a header is read (the outcome is cached with it) and again per request, since a reload may
 * rename brokers or change what a rule accepts. Stateless.
 */
final class PayingBroker {

    private PayingBroker() {
    }

    /**
     * The broker on {@code network}.
     *
     * @throws PaymentException {@code malformed_payment} if no broker of {@code current} is on it
     */
    static GatewayConfig.Broker on(String network, Snapshot current) throws PaymentException {
        GatewayConfig.Broker broker = current.brokerOn(network);
        if (broker == null) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + network
                    + "' is not accepted here; pay on " + current.networks);
        }
        return broker;
    }

    /**
     * The broker a token of {@code issuer} was paid with: the one on {@code network}, which must have issued it, or
     * for the browser flow's cookie ({@code network} {@code null}) the one that issued it.
     *
     * @throws PaymentException {@code malformed_payment} for a network no broker is on, {@code wrong_issuer} for a
     *     token of another broker than the network's, or of none in the config any more
     */
    static GatewayConfig.Broker of(String issuer, String network, Snapshot current) throws PaymentException {
        GatewayConfig.Broker issuing = current.brokerIssuing(issuer);
        if (network == null) {
            if (issuing == null) {
                throw new PaymentException(ErrorCode.WRONG_ISSUER, "the scrip was issued by a broker this seller no "
                        + "longer accepts");
            }
            return issuing;
        }
        GatewayConfig.Broker named = on(network, current);
        if (issuing != named) {
            throw new PaymentException(ErrorCode.WRONG_ISSUER, "the token was issued by " + (issuing == null
                    ? "another broker" : issuing.name()) + ", not by " + named.name() + " whose network '" + network
                    + "' it was sent on" + (issuing == null ? "" : "; pay on '" + issuing.network() + "'"));
        }
        return named;
    }

    /**
     * Refuses a broker the rule does not accept.
     *
     * @throws PaymentException {@code malformed_payment} naming the brokers the rule accepts
     */
    static void checkAccepted(PriceRule rule, GatewayConfig.Broker broker, Snapshot current)
            throws PaymentException {
        if (!rule.acceptsBroker(broker.id())) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "this resource is not sold for payments at "
                    + broker.name() + "; pay on " + current.config.brokers().stream()
                    .filter(accepted -> rule.acceptsBroker(accepted.id()))
                    .map(accepted -> "'" + accepted.network() + "'").collect(Collectors.joining(" or ")));
        }
    }
}
