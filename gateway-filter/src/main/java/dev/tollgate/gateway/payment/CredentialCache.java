package dev.tollgate.gateway.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.keys.ExpireAt;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReferenceArray;

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
     * Digests lent to {@link #key} calls, one slot per stripe of threads: a digest (SHA-256's state, block buffer and
     * message schedule, ~450 bytes) is made once per slot rather than cloned per call. A call finding its slot empty
     * (another thread has it) makes a fresh one, so no call waits. Static, not per thread: a per-thread digest would
     * leave one of our objects on each of a container's request threads, pinning the web app's class loader after an
     * undeploy.
     */
    private static final AtomicReferenceArray<Digester> DIGESTERS = new AtomicReferenceArray<>(16);
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
        int slot = (int) Thread.currentThread().getId() & (DIGESTERS.length() - 1);
        Digester digester = DIGESTERS.getAndSet(slot, null);
        if (digester == null) {
            digester = new Digester(copy(SHA_256));
        }
        Key key = digester.key(kind, value);
        DIGESTERS.set(slot, digester);
        return key;
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

    /**
     * One SHA-256 and the buffer its digest is written to, used by one thread at a time. The text is copied to bytes
     * whole, not encoded a chunk at a time into a buffer of its own: with the SHA instructions the digest of a 1 KB
     * header takes ~0.7 µs, the copy ~0.03 µs, and every per-char loop measured cost 0.2 to 1.3 µs more.
     */
    private static final class Digester {
        private final MessageDigest sha256;
        private final byte[] out = new byte[32];

        Digester(MessageDigest sha256) {
            this.sha256 = sha256;
        }

        Key key(char kind, String value) {
            sha256.update((byte) kind);
            // UTF-8 is injective on text (only an unpaired surrogate, which no header decoded from bytes holds, becomes
            // '?'), and for the ASCII that headers and cookies hold it is a plain array copy.
            sha256.update(value.getBytes(StandardCharsets.UTF_8));
            try {
                sha256.digest(out, 0, out.length);
            } catch (DigestException e) {
                throw new IllegalStateException("SHA-256's output is 32 bytes", e);
            } finally {
                // digest() only marks the state for a reset at the next use: until then its block buffer and message
                // schedule would keep the text's last bytes (a token's tail) in this slot. reset() zeroes them now.
                sha256.reset();
            }
            return new Key(readLong(out, 0), readLong(out, 8));
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
