package dev.tollgate.broker;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The {@code Idempotency-Key} of {@code POST /v1/scrip} (IETF draft-ietf-httpapi-idempotency-key-header): a buyer
 * that retries an issue whose answer it lost gets the scrip it was issued, not a second reservation.
 *
 * <p>A key belongs to the account that sent it and names one request: its seller, budget and lifetime (the
 * <i>fingerprint</i>). In the same transaction that reserves the budget the broker looks the key up: a live key with
 * the same fingerprint answers with the scrip it issued (nothing is reserved again); with another fingerprint the
 * request is refused (422); otherwise the budget is reserved and the key recorded with the scrip. Because that is one
 * transaction under the store's lock, a concurrent duplicate waits for the first and gets the same scrip. Only an
 * issued scrip is recorded: a refused request reserved nothing and its retry is judged afresh.
 *
 * <p>The database keeps no token: a replay signs the recorded scrip's claims again with the key that signed it, and
 * Ed25519 signatures are deterministic (RFC 8032), so the token is the same. Keys live {@link #WINDOW} (shorter than
 * a retired signing key's {@link KeyRing#RETENTION}, so the signing key is still there) and at most
 * {@code keysPerAccount} per account (the oldest give way); both bounds survive a restart. Thread-safe.
 */
final class ScripIdempotency {

    static final String HEADER = "Idempotency-Key";
    /** Set to {@code true} on an answer that replays an earlier issue. */
    static final String REPLAYED_HEADER = "Idempotent-Replayed";
    /** How long a key is remembered. */
    static final Duration WINDOW = Duration.ofHours(24);
    /** How many keys of one account are remembered (the most recent). */
    static final int DEFAULT_KEYS_PER_ACCOUNT = 1000;
    /** Longest key. */
    static final int MAX_KEY_CHARS = 128;

    static {
        if (WINDOW.compareTo(KeyRing.RETENTION) >= 0) {
            throw new IllegalStateException("keys must be forgotten before the key that signed their scrip");
        }
    }

    /** Schema: the live keys, by account. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE scrip_idempotency_keys (
              buyer       TEXT NOT NULL REFERENCES buyers (id),
              idem_key    TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 128),
              fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
              scrip       TEXT NOT NULL REFERENCES scrip (jti),
              created_at  INTEGER NOT NULL,
              PRIMARY KEY (buyer, idem_key)
            ) STRICT""",
            "CREATE INDEX scrip_idempotency_keys_by_buyer ON scrip_idempotency_keys (buyer, created_at)",
            "CREATE INDEX scrip_idempotency_keys_by_age ON scrip_idempotency_keys (created_at)");

    /** A scrip recorded under a key: what a replay signs again. */
    record Recorded(String jti, String seller, String kid, long budget, Instant issuedAt, Instant expiresAt) {
    }

    /**
     * What a keyed reservation did: reserved anew ({@code reservation}, {@code recorded} null), found the scrip the
     * key issued before ({@code recorded}), or found the key used for another request ({@code conflict}).
     */
    record Outcome(ScripStore.Reservation reservation, Recorded recorded, boolean conflict) {
    }

    /** The reservation a keyed request makes when its key is new, inside the transaction. */
    @FunctionalInterface
    interface Reserve {
        ScripStore.Reservation run(Connection c) throws SQLException;
    }

    private final Database database;
    private final Clock clock;
    private final int keysPerAccount;

    ScripIdempotency(Database database, Clock clock, int keysPerAccount) {
        if (keysPerAccount < 1) {
            throw new IllegalArgumentException("keysPerAccount must be at least 1, got " + keysPerAccount);
        }
        this.database = database;
        this.clock = clock;
        this.keysPerAccount = keysPerAccount;
    }

    /**
     * The key of a request: the header's value as a structured-field string ({@code "..."}, as the draft asks) or
     * bare; null without the header.
     *
     * @throws ApiException 400 {@code invalid_idempotency_key} for several headers, an empty or a too long key, or
     *         characters other than printable ASCII
     */
    static String key(List<String> values) throws ApiException {
        if (values == null || values.isEmpty()) {
            return null;
        }
        String key = values.size() == 1 ? unquote(values.get(0).strip()) : null;
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_CHARS) {
            throw ApiException.badRequest("invalid_idempotency_key", HEADER + " must be one string of 1 to "
                    + MAX_KEY_CHARS + " printable ASCII characters, such as \"8e03978e-40d5-43e8-bc93-6894a57f9324\"");
        }
        return key;
    }

    /** A structured-field string's content, a bare token as it is, or null if it is neither. */
    private static String unquote(String value) {
        if (!value.startsWith("\"")) {
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == ',' || ch == ';') {
                    return null;
                }
            }
            return value;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 1; i < value.length() && key.length() <= MAX_KEY_CHARS; i++) {
            char ch = value.charAt(i);
            if (ch == '"') {
                return i == value.length() - 1 ? key.toString() : null;
            }
            if (ch == '\\') {
                if (++i == value.length() || (value.charAt(i) != '"' && value.charAt(i) != '\\')) {
                    return null;
                }
                ch = value.charAt(i);
            } else if (ch < 0x20 || ch >= 0x7f) {
                return null;
            }
            key.append(ch);
        }
        return null;
    }

    /** What makes two requests the same request: seller, budget and lifetime. */
    static byte[] fingerprint(String seller, long budget, Duration ttl) {
        return Secrets.sha256(seller + "\n" + budget + "\n" + ttl.getSeconds());
    }

    /**
     * In one transaction: finds the buyer's live key, or runs {@code reserve} and records the key with scrip
     * {@code jti} if it reserved.
     */
    Outcome reserve(String buyer, String key, byte[] fingerprint, String jti, Reserve reserve) throws SQLException {
        return database.write(c -> {
            long now = clock.instant().getEpochSecond();
            long cutoff = now - WINDOW.getSeconds();
            Database.execute(c, "DELETE FROM scrip_idempotency_keys WHERE buyer = ? AND created_at <= ?", buyer,
                    cutoff);
            try (PreparedStatement ps = c.prepareStatement("SELECT k.fingerprint, s.jti, s.seller, s.kid, s.budget,"
                    + " s.issued_at, s.expires_at FROM scrip_idempotency_keys k JOIN scrip s ON s.jti = k.scrip"
                    + " WHERE k.buyer = ? AND k.idem_key = ?")) {
                ps.setString(1, buyer);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (!MessageDigest.isEqual(rs.getBytes(1), fingerprint)) {
                            return new Outcome(null, null, true);
                        }
                        return new Outcome(null, new Recorded(rs.getString(2),
                                rs.getString(3), rs.getString(4), rs.getLong(5), Instant.ofEpochSecond(rs.getLong(6)),
                                Instant.ofEpochSecond(rs.getLong(7))), false);
                    }
                }
            }
            ScripStore.Reservation reservation = reserve.run(c);
            if (reservation == ScripStore.Reservation.RESERVED) {
                record(c, buyer, key, fingerprint, jti, now);
            }
            return new Outcome(reservation, null, false);
        });
    }

    private void record(Connection c, String buyer, String key, byte[] fingerprint, String jti, long now)
            throws SQLException {
        Database.execute(c, "INSERT INTO scrip_idempotency_keys (buyer, idem_key, fingerprint, scrip, created_at)"
                + " VALUES (?, ?, ?, ?, ?)", buyer, key, fingerprint, jti, now);
        Database.execute(c, "DELETE FROM scrip_idempotency_keys WHERE buyer = ? AND rowid NOT IN (SELECT rowid FROM"
                + " scrip_idempotency_keys WHERE buyer = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)", buyer, buyer,
                keysPerAccount);
    }

    /** Forgets every key older than {@link #WINDOW}; the broker's sweep runs it. @return how many */
    int purgeExpired() throws SQLException {
        return database.write(c -> Database.execute(c, "DELETE FROM scrip_idempotency_keys WHERE created_at <= ?",
                clock.instant().getEpochSecond() - WINDOW.getSeconds()));
    }
}
