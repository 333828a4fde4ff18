/**
 * The Tollgate reference broker: buyer accounts, the seller registry, the broker's Ed25519 signing keys and scrip
 * issuance, served over HTTP by embedded Jetty and kept in SQLite.
 *
 * <p>The public API is {@link dev.tollgate.broker.Broker} (embed, administer), {@link dev.tollgate.broker.Seller}
 * (a registered seller) and {@link dev.tollgate.broker.Main} (the command line). Everything else in this package is
 * package-private and not an API.
 *
 * @since 0.1
 */
package dev.tollgate.broker;
