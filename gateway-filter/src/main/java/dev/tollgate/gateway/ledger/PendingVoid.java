package dev.tollgate.gateway.ledger;

import java.time.Instant;

/**
 * A void of an online charge waiting in the ledger's outbox for the broker to confirm it ({@link Ledger#queueVoid}).
 *
 * @param receiptId the charge's receipt id: its charge id at the broker
 * @param issuer the broker's issuer URL, the scrip's {@code iss}
 * @param jti the scrip charged
 * @param amountMicros what the charge took
 * @param queuedAt when the void was queued
 * @param refunded whether the charge is refunded in the ledger; {@code false} while its refund is under way, or after
 *     a process died between queuing the void and refunding (the settler then refunds it first)
 * @since 0.3
 */
public record PendingVoid(String receiptId, String issuer, String jti, long amountMicros, Instant queuedAt,
                          boolean refunded) {
}
