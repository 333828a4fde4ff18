/**
 * Benchmarks of the gateway's package-private hot paths, kept in the same package so they need no public hooks.
 */
package dev.tollgate.gateway;
