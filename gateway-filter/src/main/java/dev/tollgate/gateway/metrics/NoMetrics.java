package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.GatewayConfig;

/** {@link GatewayMetrics} without Micrometer: records nothing. */
final class NoMetrics implements GatewayMetrics {

    @Override
    public RequestMeters requests(GatewayConfig config) {
        return RequestMeters.NONE;
    }

    @Override
    public void brokers(GatewayConfig config) {
    }

    @Override
    public void reloaded(boolean accepted) {
    }

    @Override
    public void close() {
    }
}
