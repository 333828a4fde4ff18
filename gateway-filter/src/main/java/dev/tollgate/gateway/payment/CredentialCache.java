package dev.tollgate.gateway.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.keys.ExpireAt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;

/**
 * Verified (and recently rejected) credentials, keyed by a 128-bit SHA-256 digest of the header or cookie value
 * so that tokens themselves are not kept in memory. Entries live until the scrip expires, bounded in number.
 * Thread-safe.
 */
public final class CredentialCache {

    /** Keys are truncated digests: 2^64 work to find a collision, and a collision only hands over a paid entry. */
    record Key(long high, long low) {
    }

    private static final ThreadLocal<Hashing> HASHING = ThreadLocal.withInitial(Hashing::new);

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
        return HASHING.get().digest(kind, value);
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

    /** Per-thread digest state, so hashing allocates only the header's bytes and the key. */
    private static final class Hashing {
        private final MessageDigest sha256;
        private final byte[] out = new byte[32];

        Hashing() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }

        Key digest(char kind, String value) {
            sha256.reset();
            sha256.update((byte) kind);
            // UTF-8 is injective, and for the ASCII that headers and cookies hold it is a plain array copy.
            sha256.update(value.getBytes(StandardCharsets.UTF_8));
            try {
                sha256.digest(out, 0, out.length);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            return new Key(readLong(out, 0), readLong(out, 8));
        }

        private static long readLong(byte[] bytes, int offset) {
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | (bytes[offset + i] & 0xFF);
            }
            return value;
        }
    }
}
