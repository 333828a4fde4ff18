/**
 * Reading the gateway's YAML config: {@code ConfigLoader} (placeholders; unknown keys refused with
 * their line and column), {@code ConfigValidator} and one validator per section writing to {@code ConfigProblems},
 * {@code RestartOnly} (what a live reload may not change) and {@code ConfigWatcher} (the live reload). Produces a
 * {@link dev.tollgate.gateway.GatewayConfig}. Not exported by the module.
 */
package dev.tollgate.gateway.config;
