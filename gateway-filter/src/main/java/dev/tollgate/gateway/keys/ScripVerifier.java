package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.ProtectedHeader;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies broker scrip (a compact JWS) and turns it into a {@link ScripAccount}.
 *
 * <p>Only {@code EdDSA} (Ed25519) and {@code ES256} signatures are accepted; the key comes from {@link BrokerKeys}
 * by {@code kid} only ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c} headers are ignored); {@code typ} must be
 * {@value #TYPE}; {@code crit}, {@code zip} and {@code b64} headers are rejected, as are JWE and unsecured tokens.
 * Header checks run before the key lookup, so garbage cannot trigger JWKS refetches; claims are only looked at after
 * the signature verified.
 *
 * <p>Decisions: a missing required claim is {@code invalid_token}, a present but different {@code iss}, {@code aud}
 * or {@code cur} is the matching {@code wrong_*} code; {@code aud} must name exactly this seller (a string or a
 * one-element array: scrip spendable at several sellers is refused); an {@code iat} in the future beyond the skew is
 * {@code token_not_yet_valid}; {@code budget} must be a JSON string of 1 to 19 ASCII digits that fits a {@code long}.
 *
 * <p>Messages never contain the token. Immutable and thread-safe; the jjwt parser is built once.
 */
public final class ScripVerifier {

    /** The required {@code typ} header. */
    public static final String TYPE = "tollgate-scrip+jwt";
    /** Longer tokens are rejected before parsing. */
    public static final int MAX_TOKEN_CHARS = 8 * 1024;
    static final int MAX_ID_CHARS = 128;

    private static final Logger LOG = LoggerFactory.getLogger(ScripVerifier.class);
    private static final Pattern BUDGET = Pattern.compile("[0-9]{1,19}");
    private static final Set<String> ALGORITHMS = Set.of("EdDSA", "ES256");

    private final BrokerKeys keys;
    private final String issuer;
    private final String audience;
    private final String currency;
    private final Duration clockSkew;
    private final Clock clock;
    private final JwtParser parser;

    public ScripVerifier(BrokerKeys keys, String issuer, String audience, String currency, Duration clockSkew,
                         Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys cannot be null.");
        this.issuer = requireText(issuer, "issuer");
        this.audience = requireText(audience, "audience");
        this.currency = requireText(currency, "currency");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew cannot be null.");
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew must not be negative: " + clockSkew);
        }
        this.clock = Objects.requireNonNull(clock, "clock cannot be null.");
        this.parser = Crypto.pinnedParser(new KidLocator(), this.clock, clockSkew, Jwts.SIG.EdDSA, Jwts.SIG.ES256);
    }

    /**
     * Verifies the scrip's signature, header and claims.
     *
     * @throws PaymentException with the code for the first problem found; {@code unknown_key} and
     *         {@code broker_unavailable} come from {@link BrokerKeys}
     */
    public ScripAccount verify(String token) throws PaymentException {
        if (token == null || token.isEmpty()) {
            throw invalid("scrip is empty");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw invalid("scrip is longer than " + MAX_TOKEN_CHARS + " characters");
        }
        if (countDots(token) != 2) {
            throw invalid("scrip is not a compact JWS");
        }
        Claims claims;
        try {
            var jws = parser.parseSignedClaims(token);
            claims = jws.getPayload();
        } catch (LookupFailure e) {
            throw e.payment();
        } catch (ExpiredJwtException e) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "scrip has expired");
        } catch (PrematureJwtException e) {
            throw new PaymentException(ErrorCode.TOKEN_NOT_YET_VALID, "scrip is not valid yet");
        } catch (RuntimeException e) { // JwtException, and anything jjwt or a locator lets escape
            PaymentException wrapped = unwrap(e);
            if (wrapped != null) {
                throw wrapped;
            }
            LOG.debug("Scrip rejected: {}", e.getClass().getSimpleName());
            throw invalid("scrip signature or format is invalid");
        }
        return toAccount(claims);
    }

    private ScripAccount toAccount(Claims claims) throws PaymentException {
        Instant now = clock.instant();
        String iss = stringClaim(claims, "iss");
        if (!issuer.equals(iss)) {
            throw new PaymentException(ErrorCode.WRONG_ISSUER, "scrip was issued by another broker");
        }
        Object aud = claims.get("aud");
        if (aud == null) {
            throw invalid("scrip has no 'aud' claim");
        }
        Set<String> audiences;
        try {
            audiences = claims.getAudience();
        } catch (RuntimeException e) {
            throw invalid("scrip has a malformed 'aud' claim");
        }
        if (audiences == null || audiences.size() != 1 || !audiences.contains(audience)) {
            throw new PaymentException(ErrorCode.WRONG_AUDIENCE, "scrip is not for this seller");
        }
        String jti = idClaim(claims, "jti");
        String sub = idClaim(claims, "sub");
        Instant exp = dateClaim(claims, "exp");
        dateClaim(claims, "nbf"); // checked (with skew) by the parser; must be present
        Instant iat = dateClaim(claims, "iat");
        if (iat.isAfter(now.plus(clockSkew))) {
            throw new PaymentException(ErrorCode.TOKEN_NOT_YET_VALID, "scrip was issued in the future");
        }
        Object budgetValue = claims.get("budget");
        if (budgetValue == null) {
            throw invalid("scrip has no 'budget' claim");
        }
        if (!(budgetValue instanceof String) || !BUDGET.matcher((String) budgetValue).matches()) {
            throw invalid("scrip 'budget' must be a decimal string of micro-units");
        }
        long budget;
        try {
            budget = Long.parseLong((String) budgetValue);
        } catch (NumberFormatException e) {
            throw invalid("scrip 'budget' is too large");
        }
        String cur = stringClaim(claims, "cur");
        if (!currency.equals(cur)) {
            throw new PaymentException(ErrorCode.WRONG_CURRENCY, "scrip is in another currency");
        }
        // The configured issuer and currency, equal to the claims: one copy of each for every scrip kept in memory
        // (the credential cache, the repeat references, the ledger's states), not one per scrip.
        return new ScripAccount(issuer, jti, sub, audience, budget, currency, exp);
    }

    /** Header checks and the key lookup; runs before the signature is verified. */
    private final class KidLocator extends LocatorAdapter<Key> {
        @Override
        protected Key locate(JwsHeader header) {
            checkHeader(header);
            String alg = header.getAlgorithm();
            if (alg == null || !ALGORITHMS.contains(alg)) {
                throw new LookupFailure(invalid("scrip algorithm is not accepted"));
            }
            try {
                return keys.key(header.getKeyId());
            } catch (PaymentException e) {
                throw new LookupFailure(e);
            }
        }

        @Override
        protected Key doLocate(io.jsonwebtoken.Header header) {
            throw new LookupFailure(invalid("scrip must be a signed JWS"));
        }

        private void checkHeader(ProtectedHeader header) {
            if (!TYPE.equals(header.getType())) {
                throw new LookupFailure(invalid("scrip 'typ' must be '" + TYPE + "'"));
            }
            String kid = header.getKeyId();
            if (kid == null || kid.isEmpty()) {
                throw new LookupFailure(invalid("scrip has no 'kid' header"));
            }
            if (header.containsKey("crit") || header.containsKey("zip") || header.containsKey("b64")) {
                throw new LookupFailure(invalid("scrip uses an unsupported header"));
            }
        }
    }


    private static PaymentException unwrap(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LookupFailure) {
                return ((LookupFailure) t).payment();
            }
        }
        return null;
    }

    private static String stringClaim(Claims claims, String name) throws PaymentException {
        Object value = claims.get(name);
        if (value == null) {
            throw invalid("scrip has no '" + name + "' claim");
        }
        if (!(value instanceof String)) {
            throw invalid("scrip '" + name + "' claim must be a string");
        }
        return (String) value;
    }

    private static String idClaim(Claims claims, String name) throws PaymentException {
        String value = stringClaim(claims, name);
        if (value.isEmpty() || value.length() > MAX_ID_CHARS) {
            throw invalid("scrip '" + name + "' claim must have 1 to " + MAX_ID_CHARS + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw invalid("scrip '" + name + "' claim contains control characters");
            }
        }
        return value;
    }

    private static Instant dateClaim(Claims claims, String name) throws PaymentException {
        if (claims.get(name) == null) {
            throw invalid("scrip has no '" + name + "' claim");
        }
        try {
            Date date = claims.get(name, Date.class);
            return date.toInstant();
        } catch (RuntimeException e) {
            throw invalid("scrip '" + name + "' claim must be a NumericDate");
        }
    }

    private static int countDots(String token) {
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) == '.') {
                dots++;
            }
        }
        return dots;
    }

    private static PaymentException invalid(String message) {
        return new PaymentException(ErrorCode.INVALID_TOKEN, message);
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name + " cannot be null.");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " cannot be blank.");
        }
        return value;
    }
}
