package dev.tollgate.gateway.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * The ledger's view of one verified PayWord commitment: a hash chain of {@code length} words, each worth
 * {@code unitMicros}, that one buyer committed to for this seller (docs/PROTOCOL.md section 8).
 *
 * <p>Identity is {@code (issuer, commitmentId)}. A ledger keeps at most one chain per {@code (issuer, certificateId,
 * root)} and per {@code (issuer, certificateId, commitmentJti)}, and the chains of one certificate together commit at
 * most {@code certificateLimitMicros} ({@link Ledger#chargeChain}): re-signing a commitment gives it a new id, never
 * a second spending of the same words or of the same limit. The root is copied in and out; otherwise immutable and
 * thread-safe.
 *
 * @param issuer the broker that certified the buyer's key ({@code iss} of the certificate)
 * @param commitmentId base64url SHA-256 of the commitment JWS ({@code PayWord.commitmentId})
 * @param commitment the commitment's compact JWS, kept for settlement (the broker verifies the chain against it)
 * @param buyer the buyer pseudonym ({@code sub} of the certificate)
 * @param seller the seller id the commitment is for ({@code aud})
 * @param length {@code n}, the number of words that can be paid
 * @param unitMicros what one word pays, in micro-units, at least 1
 * @param currency the ISO 4217 currency code
 * @param expiresAt when the commitment stops being spendable
 * @param root {@code w_0}, 32 bytes
 * @param certificateId the certificate's {@code jti}
 * @param certificateLimitMicros the certificate's {@code limit}, at least {@code length x unit}
 * @param commitmentJti the commitment's {@code jti}
 * @since 0.2
 */
public record ChainAccount(String issuer, String commitmentId, String commitment, String buyer, String seller,
                           int length, long unitMicros, String currency, Instant expiresAt, byte[] root,
                           String certificateId, long certificateLimitMicros, String commitmentJti) {

    public ChainAccount {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        Objects.requireNonNull(commitment, "commitment cannot be null.");
        Objects.requireNonNull(buyer, "buyer cannot be null.");
        Objects.requireNonNull(seller, "seller cannot be null.");
        Objects.requireNonNull(currency, "currency cannot be null.");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null.");
        Objects.requireNonNull(root, "root cannot be null.");
        Objects.requireNonNull(certificateId, "certificateId cannot be null.");
        Objects.requireNonNull(commitmentJti, "commitmentJti cannot be null.");
        if (length < 1) {
            throw new IllegalArgumentException("length must be at least 1: " + length);
        }
        if (unitMicros < 1) {
            throw new IllegalArgumentException("unit must be at least 1 micro-unit: " + unitMicros);
        }
        if (Math.multiplyHigh(length, unitMicros) != 0 || length * unitMicros < 0) {
            throw new IllegalArgumentException("length x unit overflows: " + length + " x " + unitMicros);
        }
        if (length * unitMicros > certificateLimitMicros) {
            throw new IllegalArgumentException("length x unit " + length * unitMicros + " exceeds the certificate's "
                    + "limit " + certificateLimitMicros);
        }
        if (root.length != 32) {
            throw new IllegalArgumentException("root must be 32 bytes, not " + root.length);
        }
        root = root.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    /** {@code length x unit}: the most the chain can pay. */
    public long maxMicros() {
        return length * unitMicros;
    }
}
