/**
 * The first stage of a request (docs/ARCHITECTURE.md): {@code Router} matches the path and method against the
 * {@code RuleTable} of the config in force ({@code Snapshot}), serves the browser flow's own endpoints, passes OPTIONS
 * ({@code OptionsResponse}) and free requests, and makes a {@code PricedRequest} for the later stages. Path globs
 * ({@code PathPattern}) and stream keys ({@code StreamKeys}) live here. Not exported by the module.
 */
package dev.tollgate.gateway.route;
