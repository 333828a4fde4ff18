package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.keys.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key repeat references are bound with (PROTOCOL.md section 12): HMAC-SHA256, its tag cut to 128 bits.
 *
 * <p>The 256-bit key is generated at first start into {@code <data-dir>/reference-key} (owner-only, like the browser
 * key) rather than per process, so references a gateway gave out still work after a restart. Gateway nodes that serve
 * one seller share the file (copy it into each node's data dir before they start), or a reference one node gave is
 * refused by another ({@code invalid_reference}) and the buyer sends the whole payment there. Deleting the file
 * invalidates every reference given out; nothing else. Thread-safe.
 */
final class ReferenceKey {

    static final String FILE_NAME = "reference-key";
    static final int TAG_BYTES = 16;
    /** The characters of a tag: base64url of {@link #TAG_BYTES} bytes, without padding. */
    static final int TAG_CHARS = 22;

    private static final String ALGORITHM = "HmacSHA256";
    private static final int KEY_BYTES = 32;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /**
     * Never used itself, only cloned: a clone costs less than a provider lookup and leaves nothing on the container's
     * threads (as {@code CredentialCache}'s digest).
     */
    private final Mac prototype;

    ReferenceKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the reference key must be " + KEY_BYTES + " bytes, got " + key.length);
        }
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(key, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is missing from this JVM", e);
        }
    }

    /**
     * Reads the key from {@code dataDir}, or generates one there.
     *
     * @throws IllegalStateException if group or others may access the file, or it does not hold a key
     */
    static ReferenceKey loadOrCreate(Path dataDir) throws IOException {
        return new ReferenceKey(OwnerOnlyFiles.secretKey(dataDir.resolve(FILE_NAME), KEY_BYTES, "the reference key",
                "delete it (references given out are then refused, and buyers send whole payments)"));
    }

    /** The tag of {@code body} bound to {@code context}: base64url, {@link #TAG_CHARS} characters. */
    String tag(String body, String context) {
        return B64URL.encodeToString(mac(body, context));
    }

    /**
     * Whether {@code tag} is the tag of {@code body} bound to {@code context}, compared in constant time as text (so
     * that the unused low bits of the last character cannot vary either).
     */
    boolean verifies(String tag, String body, String context) {
        return tag.length() == TAG_CHARS && MessageDigest.isEqual(tag.getBytes(StandardCharsets.US_ASCII),
                tag(body, context).getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(String body, String context) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the platform's " + ALGORITHM + " can be cloned", e);
        }
        mac.update(body.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) '\n'); // the body has no line feed: body and context cannot run into each other
        return Arrays.copyOf(mac.doFinal(context.getBytes(StandardCharsets.UTF_8)), TAG_BYTES);
    }
}
