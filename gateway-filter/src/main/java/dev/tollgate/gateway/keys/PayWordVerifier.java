package dev.tollgate.gateway.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.protocol.PayWord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Verifies PayWord commitments (docs/PROTOCOL.md section 8) and keeps the verified ones by commitment id.
 *
 * <p>A commitment is a compact JWS signed with the buyer key its certificate ({@code cert} claim) certifies. The
 * certificate is checked first ({@link CertificateVerifier} of the broker whose issuer it claims: that broker's key by
 * {@code kid}, its issuer, expiry; {@link BrokerVerification}); then the
 * commitment: {@code alg} pinned to {@code EdDSA}, {@code typ} {@value PayWord#COMMITMENT_TYPE}, no
 * {@code crit}/{@code zip}/{@code b64}, the signature under the certified key; only then its claims: {@code aud} this
 * seller (a single string), {@code exp} not passed and not after the certificate's, {@code root} 32 bytes, {@code 1 <= n <=}
 * the configured maximum, {@code unit >= 1}, {@code n x unit <= limit}, {@code jti} present. The certificate has to be
 * read from the unverified payload to find the key; nothing else in it is used before the signature verified. Every
 * segment is read as strictly as the broker reads it at settlement ({@link StrictJws}): a commitment the gateway
 * accepts is one the broker pays.
 *
 * <p>Commitments whose chains the ledger has recorded ({@link #remember}) are cached until they expire or, sooner,
 * until {@code reverifyAfter} has passed, so that a broker key withdrawn at a key refresh stops the chains it
 * certified, as for scrip. A commitment that paid nothing is not cached: a buyer can sign any number of them, and
 * they must not push paid chains out. A commitment read back from the ledger is one that paid: it is cached once
 * verified, whatever its payment then finds. The cache holds at most {@code cacheSize} commitments and at most
 * {@value #CACHE_BYTES} bytes of them (a commitment may be {@value #MAX_COMMITMENT_CHARS} characters long). Codes:
 * {@code invalid_commitment} for a malformed or wrongly signed commitment, {@code wrong_audience} for another
 * seller's, {@code expired_token}/{@code token_not_yet_valid} for times, and the certificate's codes. Messages never
 * contain the commitment. Thread-safe.
 */
public final class PayWordVerifier {

    /** Longer commitments are refused before parsing (the certificate rides inside, base64url-encoded). */
    public static final int MAX_COMMITMENT_CHARS = 8 * 1024;

    /** The most bytes of commitments the cache holds, whatever their number. */
    public static final long CACHE_BYTES = 64L << 20;
    /** What an entry costs besides its commitment's characters (the account's other fields, the cache's node). */
    private static final int ENTRY_OVERHEAD_BYTES = 512;

    private static final Pattern MICROS = Pattern.compile("[0-9]{1,19}");

    private record Entry(ChainAccount account, long untilMillis) {
    }

    private final BrokerVerification brokers;
    private final String seller;
    private final Clock clock;
    private final Cache<String, Entry> verified;

    /**
     * @param keys the broker's keys
     * @param issuer the broker's issuer URL ({@code broker.issuer})
     * @param seller this seller's id: the commitments' {@code aud}
     * @param currency the gateway's ISO 4217 currency
     * @param clockSkew tolerance for {@code exp} and {@code iat}
     * @param reverifyAfter how long a verified commitment is trusted before it is verified again (the key refresh)
     * @param cacheSize how many verified commitments are kept, at most (and at most {@link #CACHE_BYTES} of them)
     */
    public PayWordVerifier(BrokerKeys keys, String issuer, String seller, String currency, Duration clockSkew,
                           Clock clock, Duration reverifyAfter, long cacheSize) {
        this(BrokerVerification.of(new TrustedBroker(keys, issuer, seller, currency, clockSkew, clock,
                reverifyAfter)), seller, clock, cacheSize);
    }

    /**
     * Commitments whose certificates any of {@code brokers} signed, each checked with the keys, issuer, currency and
     * clock skew of its certificate's broker, and trusted for that broker's key refresh.
     */
    PayWordVerifier(BrokerVerification brokers, String seller, Clock clock, long cacheSize) {
        this.brokers = Objects.requireNonNull(brokers, "brokers cannot be null.");
        this.seller = Objects.requireNonNull(seller, "seller cannot be null.");
        this.clock = clock;
        // Each entry weighs its size in bytes, at least CACHE_BYTES / cacheSize: so both bounds hold.
        int minWeight = (int) Math.min(Integer.MAX_VALUE, Math.max(1, -Math.floorDiv(-CACHE_BYTES, cacheSize)));
        this.verified = Caffeine.newBuilder()
                .executor(Runnable::run) // evicts on the caller's thread: the bounds hold when a put returns
                .maximumWeight(CACHE_BYTES)
                .<String, Entry>weigher((id, entry) -> Math.max(minWeight,
                        entry.account().commitment().length() + ENTRY_OVERHEAD_BYTES))
                .expireAfter(ExpireAt.<String, Entry>millis(clock, Entry::untilMillis))
                .build();
    }

    /**
     * The chain a commitment commits to: from the cache, or verified now (not cached: see {@link #remember}).
     *
     * @param maxChainLength the configured {@code payword.max-chain-length}
     * @throws PaymentException for the first problem found
     */
    public ChainAccount verify(String commitment, int maxChainLength) throws PaymentException {
        if (commitment == null || commitment.isEmpty() || commitment.length() > MAX_COMMITMENT_CHARS) {
            throw invalid("the commitment must be a compact JWS of at most " + MAX_COMMITMENT_CHARS + " characters");
        }
        String id = PayWord.commitmentId(commitment);
        ChainAccount known = cached(id, maxChainLength);
        if (known != null) {
            return known;
        }
        return parse(commitment, id, maxChainLength);
    }

    /**
     * Caches a commitment {@link #verify} returned, once the ledger has recorded its chain (a payment was charged on
     * it now, or it was read back from the ledger: after a restart or a key refresh), until it expires or
     * {@code reverifyAfter} has passed since now. A commitment still cached keeps its time:
     * remembering it again does not put off its next verification.
     */
    public void remember(ChainAccount account) {
        long now = clock.millis();
        long reverifyAfterMillis = brokers.reverifyAfterMillis(account.issuer());
        verified.asMap().compute(account.commitmentId(), (id, entry) -> entry != null && entry.untilMillis() > now
                ? entry : new Entry(account, Math.min(account.expiresAt().toEpochMilli(), now + reverifyAfterMillis)));
    }

    /**
     * A verified commitment by id, or {@code null} if it is not (or no longer) cached: the caller then reloads it and
     * calls {@link #verify}.
     *
     * @throws PaymentException if it is cached but now breaks the configured maximum length
     */
    public ChainAccount cached(String commitmentId, int maxChainLength) throws PaymentException {
        Entry entry = verified.getIfPresent(commitmentId);
        if (entry == null || entry.untilMillis() <= clock.millis()) {
            return null;
        }
        checkLength(entry.account().length(), maxChainLength);
        return entry.account();
    }

    private ChainAccount parse(String jws, String id, int maxChainLength) throws PaymentException {
        int first = jws.indexOf('.');
        int second = first < 0 ? -1 : jws.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == jws.length() - 1 || jws.indexOf('.', second + 1) >= 0) {
            throw invalid("the commitment is not a compact JWS");
        }
        JsonNode header = json(jws.substring(0, first), "header");
        JsonNode claims = json(jws.substring(first + 1, second), "payload");
        if (!"EdDSA".equals(header.path("alg").textValue())) {
            throw invalid("the commitment's algorithm must be EdDSA");
        }
        if (!PayWord.COMMITMENT_TYPE.equals(header.path("typ").textValue())) {
            throw invalid("the commitment's 'typ' must be '" + PayWord.COMMITMENT_TYPE + "'");
        }
        if (header.has("crit") || header.has("zip") || header.has("b64")) {
            throw invalid("the commitment uses an unsupported header");
        }
        String certJws = claims.path("cert").textValue();
        if (certJws == null) {
            throw invalid("the commitment has no 'cert' claim");
        }
        TrustedBroker broker = brokers.forToken(certJws); // the certificate's broker: only its keys verify it
        CertificateVerifier.Certificate cert = broker.certificates.verify(certJws);
        Duration clockSkew = broker.clockSkew;
        checkSignature(jws, first, second, cert);
        // From here on the claims are the buyer's, signed with the certified key.
        JsonNode aud = claims.get("aud");
        if (aud == null) {
            throw invalid("the commitment has no 'aud' claim");
        }
        if (!aud.isTextual()) {
            // The broker settles only a single string (an array, even of this seller alone, would be refused).
            throw invalid("the commitment's 'aud' must be a string: the seller id");
        }
        if (!seller.equals(aud.textValue())) {
            throw new PaymentException(ErrorCode.WRONG_AUDIENCE, "the commitment is not for this seller");
        }
        Instant now = clock.instant();
        Instant exp = Instant.ofEpochSecond(seconds(claims, "exp"));
        Instant iat = Instant.ofEpochSecond(seconds(claims, "iat"));
        if (!now.isBefore(exp.plus(clockSkew))) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the PayWord commitment has expired");
        }
        if (iat.isAfter(now.plus(clockSkew))) {
            throw new PaymentException(ErrorCode.TOKEN_NOT_YET_VALID, "the commitment was issued in the future");
        }
        if (exp.isAfter(cert.expiresAt())) {
            throw invalid("the commitment expires after its certificate");
        }
        String jti = claims.path("jti").textValue();
        if (jti == null || jti.isEmpty() || jti.length() > ScripVerifier.MAX_ID_CHARS) {
            throw invalid("the commitment's 'jti' must have 1 to " + ScripVerifier.MAX_ID_CHARS + " characters");
        }
        byte[] root;
        try {
            root = PayWord.decodeWord(claims.path("root").textValue());
        } catch (IllegalArgumentException e) {
            throw invalid("the commitment's 'root' must be " + PayWord.WORD_CHARS + " base64url characters");
        }
        JsonNode n = claims.get("n");
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
            throw invalid("the commitment's 'n' must be an integer of at least 1");
        }
        checkLength(n.intValue(), maxChainLength);
        String unitText = claims.path("unit").textValue();
        long unit = unitText != null && MICROS.matcher(unitText).matches() ? parseMicros(unitText) : 0;
        if (unit < 1) {
            throw invalid("the commitment's 'unit' must be a decimal string of micro-units above 0");
        }
        long most;
        try {
            most = Math.multiplyExact(n.intValue(), unit);
        } catch (ArithmeticException e) {
            most = Long.MAX_VALUE;
        }
        if (most > cert.limitMicros()) {
            throw invalid("the chain can pay " + (most == Long.MAX_VALUE ? "more than a long holds" : most)
                    + " micro-units, more than its certificate's limit of " + cert.limitMicros());
        }
        return new ChainAccount(cert.issuer(), id, jws, cert.buyer(), seller, n.intValue(), unit, cert.currency(), exp,
                root, cert.id(), cert.limitMicros(), jti);
    }

    private static void checkSignature(String jws, int first, int second, CertificateVerifier.Certificate cert)
            throws PaymentException {
        boolean ok;
        try {
            byte[] signature = StrictJws.decode(jws.substring(second + 1));
            Signature verifier = Signature.getInstance("Ed25519", Crypto.BC);
            verifier.initVerify(cert.buyerKey());
            verifier.update(jws.substring(0, second).getBytes(StandardCharsets.US_ASCII));
            ok = signature.length == 64 && verifier.verify(signature);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            ok = false;
        }
        if (!ok) {
            throw invalid("the commitment is not signed with the certified key");
        }
    }

    private static void checkLength(int n, int maxChainLength) throws PaymentException {
        if (n > maxChainLength) {
            throw invalid("the chain has " + n + " words; this seller accepts at most " + maxChainLength);
        }
    }

    private static JsonNode json(String part, String what) throws PaymentException {
        JsonNode node = StrictJws.object(part);
        if (node == null) {
            throw invalid("the commitment's " + what + " must be one JSON object in unpadded base64url");
        }
        return node;
    }

    private static long seconds(JsonNode claims, String name) throws PaymentException {
        JsonNode value = claims.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()
                || value.longValue() < 0 || value.longValue() > Instant.MAX.getEpochSecond()) {
            throw invalid("the commitment's '" + name + "' must be a NumericDate in whole seconds");
        }
        return value.longValue();
    }

    private static long parseMicros(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static PaymentException invalid(String message) {
        return new PaymentException(ErrorCode.INVALID_COMMITMENT, message);
    }
}
