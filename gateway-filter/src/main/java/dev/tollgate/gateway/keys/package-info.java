/**
 * The broker's keys and what they verify: {@code BrokerKeys} (fetched, cached and refreshed by {@code CachedKeys},
 * {@code KeyRefresher} and {@code JwksFetch}; fail closed when stale), {@code ScripVerifier} and
 * {@code PayWordVerifier} (algorithms pinned, keys by {@code kid} only, aud/iss/exp checked), wired by
 * {@code BrokerVerification}; TLS trust ({@code TrustFile}) and owner-only files. Not exported by the module.
 */
package dev.tollgate.gateway.keys;
