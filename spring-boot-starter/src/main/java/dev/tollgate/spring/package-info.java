/**
 * The Tollgate starter for Spring Boot: {@link dev.tollgate.spring.TollgateAutoConfiguration} registers the gateway
 * filter from {@code tollgate.*} properties or a config file, {@link dev.tollgate.spring.PaymentArgumentAutoConfiguration}
 * hands controllers the request's {@code Payment}; with Micrometer or Actuator's health module on the class path,
 * {@link dev.tollgate.spring.TollgateMetricsAutoConfiguration} binds the gateway's meters to the app's registry and
 * {@link dev.tollgate.spring.TollgateHealthAutoConfiguration} adds the health indicator {@code tollgate}. Apps use
 * the properties, {@link dev.tollgate.spring.TollgateFilterCustomizer} and nothing else of this package.
 */
package dev.tollgate.spring;
