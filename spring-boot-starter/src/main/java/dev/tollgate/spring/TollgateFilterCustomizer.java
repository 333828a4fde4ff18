package dev.tollgate.spring;

import dev.tollgate.gateway.TollgateFilter;

/**
 * Adjusts the filter the starter builds, after its config is set and before it is built: a bean of this type sets,
 * say, a shared ledger or a clock ({@link TollgateFilter.Builder}). Applied in {@code @Order}.
 *
 * @since 0.6
 */
@FunctionalInterface
public interface TollgateFilterCustomizer {

    void customize(TollgateFilter.Builder builder);
}
