/**
 * Shared set-up for the benchmarks: a test broker, a JWKS endpoint and a verifier wired as the gateway wires them.
 */
package dev.tollgate.bench;
