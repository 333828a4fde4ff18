/**
 * Shared set-up for the benchmarks: a test broker, a JWKS endpoint and a verifier wired as the gateway wires them;
 * the load server load.sh runs, the cluster cases' nodes and the check of what they charged.
 */
package dev.tollgate.bench;
