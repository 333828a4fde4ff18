package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The broker's operations on accounts and scrip, independent of HTTP: create a demo buyer, authenticate an API key,
 * read an account, issue scrip. Failures that are the caller's fault are {@link ApiException}s. Thread-safe.
 */
final class Issuer {

    /** A new buyer and the API key shown to it once. */
    record NewBuyer(String account, String apiKey, long balance) {
    }

    /** Issued scrip; {@code replayed} if an idempotency key found it issued before. */
    record Issued(String token, String jti, String kid, Instant expiresAt, boolean replayed) {
    }

    /** Hash compared against when the account does not exist, so both failures take the same work. */
    private static final byte[] DUMMY_HASH = Secrets.sha256("no such account");

    private final Accounts accounts;
    private final SellerRegistry sellers;
    private final ScripStore scripStore;
    private final ScripSigner signer;
    private final byte[] pseudonymSecret;
    private final String issuer;
    private final String currency;
    private final Clock clock;
    private final ScripIdempotency idempotency;

    Issuer(Accounts accounts, SellerRegistry sellers, ScripStore scripStore, ScripSigner signer, byte[] pseudonymSecret,
           String issuer, String currency, Clock clock, ScripIdempotency idempotency) {
        this.idempotency = idempotency;
        this.accounts = accounts;
        this.sellers = sellers;
        this.scripStore = scripStore;
        this.signer = signer;
        this.pseudonymSecret = pseudonymSecret.clone();
        this.issuer = issuer;
        this.currency = currency;
        this.clock = clock;
    }

    String currency() {
        return currency;
    }

    Instant now() {
        return clock.instant();
    }

    /** The buyer's pseudonym ({@code sub}) in everything the broker signs for it. */
    String pseudonym(String account) {
        return Secrets.pseudonym(pseudonymSecret, account);
    }

    /** The broker's issuer URL ({@code iss}). */
    String issuerUrl() {
        return issuer;
    }

    /** Creates a buyer funded with {@code deposit} micro-units, recorded as a demo deposit. */
    NewBuyer createDemoBuyer(long deposit) throws SQLException {
        if (deposit <= 0 || deposit > ScripRules.MAX_DEMO_DEPOSIT_MICROS) {
            throw new IllegalArgumentException("deposit out of range: " + deposit);
        }
        String account = Secrets.newAccountId();
        String apiKey = Secrets.newApiKey(account);
        accounts.createBuyer(account, Secrets.sha256(apiKey), deposit, "demo");
        return new NewBuyer(account, apiKey, deposit);
    }

    /**
     * Creates a buyer funded with {@code deposit} micro-units (a demo deposit) that can log in to the browser pages
     * with {@code username} and a generated password.
     *
     * @throws IllegalArgumentException if the username is malformed or taken, or the deposit out of range
     */
    DemoBuyer createDemoBuyer(String username, long deposit, BuyerLogins logins) throws SQLException {
        String name = BuyerLogins.normalize(username);
        if (name == null) {
            throw new IllegalArgumentException("username must be 3 to 64 ASCII letters, digits, '.', '_', '-' or"
                    + " '@'");
        }
        if (deposit <= 0 || deposit > ScripRules.MAX_DEMO_DEPOSIT_MICROS) {
            throw new IllegalArgumentException("deposit must be 1 to " + ScripRules.MAX_DEMO_DEPOSIT_MICROS
                    + " micro-units, got " + deposit);
        }
        String account = Secrets.newAccountId();
        String apiKey = Secrets.newApiKey(account);
        String password = Passwords.generate();
        logins.createBuyer(account, Secrets.sha256(apiKey), deposit, "demo", name, Passwords.hash(password));
        return new DemoBuyer(name, password, account, apiKey);
    }

    /**
     * The account id an API key belongs to.
     *
     * @throws ApiException 401 {@code unauthorized} for a malformed, unknown or wrong key, all alike
     */
    String authenticate(String apiKey) throws ApiException, SQLException {
        String account = apiKey == null ? null : Secrets.accountOf(apiKey);
        byte[] presented = Secrets.sha256(apiKey == null ? "" : apiKey);
        byte[] stored = account == null ? null : accounts.apiKeyHash(account);
        boolean match = Secrets.sameHash(presented, stored == null ? DUMMY_HASH : stored);
        if (!match || stored == null) {
            throw new ApiException(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>");
        }
        return account;
    }

    Optional<Accounts.Account> account(String account, int scripLimit) throws SQLException {
        return accounts.account(account, scripLimit);
    }

    /**
     * Reserves {@code budget} from the buyer's balance and signs scrip for {@code seller}.
     *
     * @throws ApiException 404 {@code unknown_seller}, 409 {@code insufficient_funds}
     */
    Issued issue(String account, String seller, long budget, Duration ttl) throws ApiException, SQLException {
        return issue(account, seller, budget, ttl, null);
    }

    /**
     * Reserves {@code budget} from the buyer's balance and signs scrip for {@code seller}, once per
     * {@code idempotencyKey} (see {@link ScripIdempotency}): the same key with the same request gets the scrip it was
     * issued before, and nothing is reserved again.
     *
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null
     * @throws ApiException 404 {@code unknown_seller}, 409 {@code insufficient_funds}, 422
     *         {@code idempotency_key_reused} (the key named another request)
     */
    Issued issue(String account, String seller, long budget, Duration ttl, String idempotencyKey)
            throws ApiException, SQLException {
        if (sellers.seller(seller).isEmpty()) {
            throw unknownSeller(seller);
        }
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
        Instant expiresAt = now.plus(ttl);
        String jti = Secrets.randomToken(16);
        // Signing is pure computation: done before the transaction, the token is handed out only if it commits.
        ScripSigner.Signed signed = signer.sign(new ScripSigner.Claims(issuer, Secrets.pseudonym(pseudonymSecret,
                account), seller, jti, now, expiresAt, budget, currency));
        ScripStore.Reservation result;
        if (idempotencyKey == null) {
            result = scripStore.reserve(account, seller, jti, signed.kid(), budget, now, expiresAt);
        } else {
            ScripIdempotency.Outcome outcome = idempotency.reserve(account, idempotencyKey,
                    ScripIdempotency.fingerprint(seller, budget, ttl), jti,
                    c -> ScripStore.reserve(c, account, seller, jti, signed.kid(), budget, now, expiresAt));
            if (outcome.conflict()) {
                throw new ApiException(422, "idempotency_key_reused", "this " + ScripIdempotency.HEADER + " was"
                        + " used within " + ScripIdempotency.WINDOW.toHours() + " hours for another request (another"
                        + " seller, budget or ttlSeconds); nothing was reserved. Use a new key for a new request.");
            }
            if (outcome.recorded() != null) {
                return replay(account, outcome.recorded());
            }
            result = outcome.reservation();
        }
        switch (result) {
            case RESERVED:
                return new Issued(signed.token(), jti, signed.kid(), expiresAt, false);
            case UNKNOWN_SELLER:
                throw unknownSeller(seller);
            case INSUFFICIENT_FUNDS:
                throw new ApiException(409, "insufficient_funds", "the balance does not cover a budget of "
                        + budget + " micro-units");
            default:
                throw new ApiException(401, "unauthorized", "a valid API key is required");
        }
    }

    /** The scrip recorded under an idempotency key, signed again by the key that signed it: the same token. */
    private Issued replay(String account, ScripIdempotency.Recorded scrip) {
        KeyRing.SigningKey key = signer.key(scrip.kid()).orElseThrow(() -> new IllegalStateException(
                "the key " + scrip.kid() + " that signed scrip " + scrip.jti() + " is gone; it cannot be replayed"));
        ScripSigner.Signed signed = signer.sign(key, new ScripSigner.Claims(issuer, Secrets.pseudonym(pseudonymSecret,
                account), scrip.seller(), scrip.jti(), scrip.issuedAt(), scrip.expiresAt(), scrip.budget(), currency));
        return new Issued(signed.token(), scrip.jti(), signed.kid(), scrip.expiresAt(), true);
    }

    private static ApiException unknownSeller(String seller) {
        return new ApiException(404, "unknown_seller", "no seller '" + seller + "' is registered at this broker");
    }
}
