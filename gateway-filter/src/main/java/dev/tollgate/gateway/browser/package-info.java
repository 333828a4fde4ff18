/**
 * The browser flow (docs/PROTOCOL.md section 10): the pay link a paywall offers, the broker's return to
 * {@code /.tollgate/callback} ({@code PurchaseCallback}, with one-use {@code PurchaseState}s, {@code UsedStates} and
 * {@code CallbackGuard}), the scrip cookie, and which requests the cookie may pay for ({@code FetchMetadata},
 * {@code Allowance}, sealed with {@code BrowserSeal}). Not exported by the module.
 */
package dev.tollgate.gateway.browser;
