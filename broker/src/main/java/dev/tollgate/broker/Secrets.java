package dev.tollgate.broker;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Random ids, API keys and their hashes, and buyer pseudonyms. Thread-safe. */
final class Secrets {

    /** API keys look like {@code tgk.<account id>.<43 base64url characters: 256 random bits>}. */
    static final String API_KEY_PREFIX = "tgk";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final int API_KEY_SECRET_CHARS = 43;

    private Secrets() {
    }

    /** {@code bytes} random bytes, base64url without padding. */
    static String randomToken(int bytes) {
        return B64URL.encodeToString(randomBytes(bytes));
    }

    static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A new buyer account id: {@code acct_} and 16 hex digits (64 random bits). */
    static String newAccountId() {
        StringBuilder sb = new StringBuilder("acct_");
        for (byte b : randomBytes(8)) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    /** A new API key for {@code accountId}: 256 bits from {@link SecureRandom}. */
    static String newApiKey(String accountId) {
        return API_KEY_PREFIX + "." + accountId + "." + randomToken(32);
    }

    /**
     * The account id an API key claims to belong to, or null if {@code apiKey} does not have the shape of one. The
     * claim means nothing until {@link #sha256} of the key matches the stored hash.
     */
    static String accountOf(String apiKey) {
        int first = apiKey.indexOf('.');
        int second = apiKey.indexOf('.', first + 1);
        if (first != API_KEY_PREFIX.length() || !apiKey.startsWith(API_KEY_PREFIX) || second < 0
                || apiKey.length() - second - 1 != API_KEY_SECRET_CHARS || apiKey.indexOf('.', second + 1) >= 0) {
            return null;
        }
        String account = apiKey.substring(first + 1, second);
        return account.length() == 21 && account.startsWith("acct_") ? account : null;
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Compares two hashes in time independent of where they differ. */
    static boolean sameHash(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /**
     * The buyer's pseudonym in scrip ({@code sub}): HMAC-SHA256 of the account id under the broker's pseudonym
     * secret, 128 bits, base64url, prefixed {@code p-}. Stable per buyer; sellers cannot derive the account id.
     */
    static String pseudonym(byte[] secret, String accountId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] digest = mac.doFinal(accountId.getBytes(StandardCharsets.UTF_8));
            return "p-" + B64URL.encodeToString(java.util.Arrays.copyOf(digest, 16));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
