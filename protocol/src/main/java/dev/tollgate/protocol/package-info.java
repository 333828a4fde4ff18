/**
 * The wire vocabulary Tollgate's gateway, broker and buyer share: {@link dev.tollgate.protocol.Money} (exact
 * micro-unit amounts), the x402 v2 HTTP transport records ({@link dev.tollgate.protocol.PaymentRequired},
 * {@link dev.tollgate.protocol.PaymentPayload}, {@link dev.tollgate.protocol.SettlementResponse} and their parts)
 * with their header codec {@link dev.tollgate.protocol.X402Codec}, and the names of the scrip scheme
 * ({@link dev.tollgate.protocol.Scrip}).
 *
 * <p>Every type here is immutable or stateless, and thread-safe. Nothing here performs I/O.
 *
 * @since 0.1
 */
package dev.tollgate.protocol;
