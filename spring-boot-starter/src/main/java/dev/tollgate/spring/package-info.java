/**
 * The Tollgate starter for Spring Boot: {@link dev.tollgate.spring.TollgateAutoConfiguration} registers the gateway
 * filter from {@code tollgate.*} properties or a config file, {@link dev.tollgate.spring.PaymentArgumentAutoConfiguration}
 * hands controllers the request's {@code Payment}. Apps use the properties, {@link
 * dev.tollgate.spring.TollgateFilterCustomizer} and nothing else of this package.
 */
package dev.tollgate.spring;
