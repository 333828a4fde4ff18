package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.protocol.PayWord;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.PrematureJwtException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies a broker's PayWord certificate of a buyer key (docs/PROTOCOL.md section 8): a compact JWS pinned to
 * {@code EdDSA} (the only algorithm the broker settles), the broker key located by {@code kid} only in
 * {@link BrokerKeys}, {@code typ} {@value PayWord#CERTIFICATE_TYPE}, no {@code crit}/{@code zip}/{@code b64}, every
 * segment canonical unpadded base64url and each JSON object alone in its segment (as the broker reads it at
 * settlement). Then: {@code iss} is the broker, {@code exp}/{@code iat} within the clock skew, {@code sub} and
 * {@code jti} present, {@code cnf.jwk} an Ed25519 public key, {@code limit} a decimal string above 0, {@code cur} the
 * gateway's currency.
 *
 * <p>Codes: {@code invalid_certificate} for anything malformed or a bad signature, {@code expired_token} and
 * {@code token_not_yet_valid} for times, {@code wrong_issuer}, {@code wrong_currency}; {@code unknown_key} and
 * {@code broker_unavailable} come from {@link BrokerKeys}. Messages never contain the certificate. Immutable and
 * thread-safe.
 */
final class CertificateVerifier {

    /** The certified buyer: what a commitment needs of its certificate. */
    record Certificate(String issuer, String buyer, String id, PublicKey buyerKey, long limitMicros, String currency,
                       Instant expiresAt) {
    }

    static final int MAX_CHARS = 4 * 1024;

    private static final Pattern MICROS = Pattern.compile("[0-9]{1,19}");
    /** The broker signs certificates with Ed25519 and settles no other: an ES256 one would be content never paid. */
    private static final Set<String> ALGORITHMS = Set.of("EdDSA");
    /** X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410); the 32 key bytes follow. */
    private static final byte[] ED25519_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
        0x00};

    private final BrokerKeys keys;
    private final String issuer;
    private final String currency;
    private final Duration clockSkew;
    private final Clock clock;
    private final JwtParser parser;

    CertificateVerifier(BrokerKeys keys, String issuer, String currency, Duration clockSkew, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys cannot be null.");
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null.");
        this.currency = Objects.requireNonNull(currency, "currency cannot be null.");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew cannot be null.");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null.");
        this.parser = Crypto.pinnedParser(new KidLocator(), this.clock, clockSkew, Jwts.SIG.EdDSA);
    }

    Certificate verify(String jws) throws PaymentException {
        if (jws == null || jws.isEmpty() || jws.length() > MAX_CHARS) {
            throw invalid("the certificate must be a compact JWS of at most " + MAX_CHARS + " characters");
        }
        checkSegments(jws);
        Claims claims;
        try {
            claims = parser.parseSignedClaims(jws).getPayload();
        } catch (LookupFailure e) {
            throw e.payment();
        } catch (ExpiredJwtException e) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the PayWord certificate has expired");
        } catch (PrematureJwtException e) {
            throw new PaymentException(ErrorCode.TOKEN_NOT_YET_VALID, "the PayWord certificate is not valid yet");
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof LookupFailure) {
                    throw ((LookupFailure) t).payment();
                }
            }
            throw invalid("the certificate's signature or format is invalid");
        }
        String iss = string(claims, "iss");
        if (!issuer.equals(iss)) {
            throw new PaymentException(ErrorCode.WRONG_ISSUER, "the PayWord certificate was issued by another broker");
        }
        String sub = id(claims, "sub");
        String jti = id(claims, "jti");
        Instant exp = date(claims, "exp");
        Instant iat = date(claims, "iat");
        if (iat.isAfter(clock.instant().plus(clockSkew))) {
            throw new PaymentException(ErrorCode.TOKEN_NOT_YET_VALID, "the PayWord certificate was issued in the "
                    + "future");
        }
        String limitText = string(claims, "limit");
        long limit;
        try {
            limit = MICROS.matcher(limitText).matches() ? Long.parseLong(limitText) : 0;
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit <= 0) {
            throw invalid("the certificate's 'limit' must be a decimal string of micro-units above 0");
        }
        if (!currency.equals(string(claims, "cur"))) {
            throw new PaymentException(ErrorCode.WRONG_CURRENCY, "the PayWord certificate is in another currency");
        }
        return new Certificate(iss, sub, jti, buyerKey(claims.get("cnf")), limit, currency, exp);
    }

    /**
     * The broker's reading at settlement, before jjwt's (which is more lenient): three canonical unpadded base64url
     * segments, the first two one JSON object each with nothing after it. Certificates are read only on a
     * commitment cache miss, so reading the two small objects twice costs the hot path nothing.
     */
    private static void checkSegments(String jws) throws PaymentException {
        int first = jws.indexOf('.');
        int second = first < 0 ? -1 : jws.indexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == jws.length() - 1 || jws.indexOf('.', second + 1) >= 0) {
            throw invalid("the certificate is not a compact JWS");
        }
        try {
            StrictJws.decode(jws.substring(second + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("the certificate's signature is not unpadded base64url");
        }
        if (StrictJws.object(jws.substring(0, first)) == null || StrictJws.object(jws.substring(first + 1, second))
                == null) {
            throw invalid("the certificate's header and claims must each be one JSON object in unpadded base64url");
        }
    }

    /** {@code cnf.jwk}: an {@code OKP}/{@code Ed25519} public key, nothing else. */
    private static PublicKey buyerKey(Object cnf) throws PaymentException {
        if (!(cnf instanceof Map<?, ?> confirmation) || !(confirmation.get("jwk") instanceof Map<?, ?> jwk)) {
            throw invalid("the certificate has no 'cnf.jwk' key");
        }
        if (!"OKP".equals(jwk.get("kty")) || !"Ed25519".equals(jwk.get("crv")) || jwk.containsKey("d")
                || !(jwk.get("x") instanceof String x) || x.length() != 43) {
            throw invalid("the certificate's 'cnf.jwk' must be an Ed25519 public key");
        }
        try {
            byte[] raw = StrictJws.decode(x);
            byte[] encoded = new byte[ED25519_PREFIX.length + 32];
            System.arraycopy(ED25519_PREFIX, 0, encoded, 0, ED25519_PREFIX.length);
            System.arraycopy(raw, 0, encoded, ED25519_PREFIX.length, 32);
            return KeyFactory.getInstance("Ed25519", Crypto.BC).generatePublic(new X509EncodedKeySpec(encoded));
        } catch (RuntimeException | java.security.GeneralSecurityException e) {
            throw invalid("the certificate's 'cnf.jwk' must be an Ed25519 public key");
        }
    }

    /** Header checks and the key lookup, before the signature is verified. */
    private final class KidLocator extends LocatorAdapter<Key> {
        @Override
        protected Key locate(JwsHeader header) {
            if (!PayWord.CERTIFICATE_TYPE.equals(header.getType())) {
                throw new LookupFailure(invalid("the certificate's 'typ' must be '" + PayWord.CERTIFICATE_TYPE + "'"));
            }
            String kid = header.getKeyId();
            if (kid == null || kid.isEmpty()) {
                throw new LookupFailure(invalid("the certificate has no 'kid' header"));
            }
            if (header.containsKey("crit") || header.containsKey("zip") || header.containsKey("b64")) {
                throw new LookupFailure(invalid("the certificate uses an unsupported header"));
            }
            if (header.getAlgorithm() == null || !ALGORITHMS.contains(header.getAlgorithm())) {
                throw new LookupFailure(invalid("the certificate's algorithm is not accepted"));
            }
            try {
                return keys.key(kid);
            } catch (PaymentException e) {
                throw new LookupFailure(e);
            }
        }

        @Override
        protected Key doLocate(io.jsonwebtoken.Header header) {
            throw new LookupFailure(invalid("the certificate must be a signed JWS"));
        }
    }


    private static String string(Claims claims, String name) throws PaymentException {
        if (!(claims.get(name) instanceof String value)) {
            throw invalid("the certificate's '" + name + "' claim is missing or not a string");
        }
        return value;
    }

    private static String id(Claims claims, String name) throws PaymentException {
        String value = string(claims, name);
        if (value.isEmpty() || value.length() > ScripVerifier.MAX_ID_CHARS || value.chars().anyMatch(
                Character::isISOControl)) {
            throw invalid("the certificate's '" + name + "' claim must have 1 to " + ScripVerifier.MAX_ID_CHARS
                    + " printable characters");
        }
        return value;
    }

    private static Instant date(Claims claims, String name) throws PaymentException {
        if (claims.get(name) == null) {
            throw invalid("the certificate has no '" + name + "' claim");
        }
        try {
            return claims.get(name, Date.class).toInstant();
        } catch (RuntimeException e) {
            throw invalid("the certificate's '" + name + "' claim must be a NumericDate");
        }
    }

    private static PaymentException invalid(String message) {
        return new PaymentException(ErrorCode.INVALID_CERTIFICATE, message);
    }
}
