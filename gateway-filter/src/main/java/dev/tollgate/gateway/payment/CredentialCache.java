package dev.tollgate.gateway.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.keys.ExpireAt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;

/**
 * Verified (and recently rejected) credentials, keyed by a 128-bit SHA-256 digest of the header, or of a scrip token's
 * signature ({@link #tokenKey}), so that tokens themselves are not kept in memory. Entries live until the scrip
 * expires, bounded in number. Thread-safe.
 *
 * <p>What an entry holds (JDK 17, compressed pointers; a class histogram of the load server after 120,000 first-seen
 * scrip, docs/BENCHMARKS.md): the 32-byte key with Caffeine's node and the map's, about 130 bytes, and a
 * {@link Credential.Verified} of 64 bytes that refers to the decoded claims ({@code ScripAccount} with its {@code jti},
 * buyer and expiry, about 200 bytes, shared by the header's entry and the token's, the repeat references and the
 * ledger's state of that scrip; the issuer, seller and currency are the configured strings), to the buyer's JSON (the
 * token's entry) or to the repeat reference, about 140 bytes (the header's entry). A first-seen scrip paid with a
 * header makes two entries, about 770 bytes with its claims, so the cache's 100,000 entries hold at most about 40 MB.
 * Neither the header nor the token is kept.
 */
public final class CredentialCache {

    /** Keys are truncated digests: 2^64 work to find a collision, and a collision only hands over a paid entry. */
    record Key(long high, long low) {
    }

    /**
     * Never used itself, only cloned: a clone per call costs a few hundred bytes and no provider lookup, and unlike
     * a per-thread digest leaves nothing of ours on a container's request threads (which would pin the web app's
     * class loader after an undeploy).
     */
    private static final MessageDigest SHA_256 = sha256();

    private final Cache<Key, Credential> cache;
    private final Clock clock;

    public CredentialCache(long maximumSize, Clock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(ExpireAt.<Key, Credential>millis(clock, Credential::reusableUntilMillis))
                .build();
    }

    /**
     * The digest of a credential. {@code kind} keeps a header and a cookie with the same text apart.
     */
    public static Key key(char kind, String value) {
        MessageDigest sha256 = copy(SHA_256);
        sha256.update((byte) kind);
        // UTF-8 is injective, and for the ASCII that headers and cookies hold it is a plain array copy.
        sha256.update(value.getBytes(StandardCharsets.UTF_8));
        byte[] out = sha256.digest();
        return new Key(readLong(out, 0), readLong(out, 8));
    }

    /**
     * The key of a scrip token (the browser flow's cookie, the callback's token, a header's {@code payload.token}):
     * the digest of its signature, the compact JWS's third part, which is a quarter of the token and names it as well:
     * a token whose signature checked is the only one with that signature a holder can have, and another payload under
     * the same signature (someone changed the token they hold) finds the verified claims of the original, which pays
     * no more than the original would. A value that is no JWS is digested whole.
     */
    public static Key tokenKey(String token) {
        int dot = token.lastIndexOf('.');
        return dot < 0 ? key('C', token) : key('S', token.substring(dot + 1));
    }

    /** The cached outcome, or {@code null}; an outcome past its reuse time is never returned. */
    public Credential get(Key key) {
        Credential credential = cache.getIfPresent(key);
        if (credential != null && credential.reusableUntilMillis() <= clock.millis()) {
            return null;
        }
        return credential;
    }

    void put(Key key, Credential credential) {
        cache.put(key, credential);
    }

    void clear() {
        cache.invalidateAll();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static MessageDigest copy(MessageDigest prototype) {
        try {
            return (MessageDigest) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the platform's SHA-256 can be cloned", e);
        }
    }

    private static long readLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }
}
