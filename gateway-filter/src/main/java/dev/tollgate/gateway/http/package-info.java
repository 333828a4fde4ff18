/**
 * What the gateway writes on the wire: the forwarding of a paid request ({@code PaidForwarding}, {@code PaidResponse}:
 * receipts, cache headers, refunds when the content fails) and its own answers ({@code Answers}: the 402 with its
 * x402 offer from {@code Offers} or the paywall from {@code HtmlPages}, 429, 503). {@code Receipts},
 * {@code ThrownStatus}, {@code Cookies}, {@code ClientText} and {@code RequestPaths} (how every stage reads a path)
 * help them. Not exported by the module.
 */
package dev.tollgate.gateway.http;
