package dev.tollgate.broker;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Buyer logins for the browser pages: a username and a PBKDF2 password hash per buyer account (see
 * {@link Passwords}). Runs on {@link Database}'s transactions and lock. Thread-safe.
 */
final class BuyerLogins {

    /** Schema version 5. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE buyer_logins (
              username      TEXT PRIMARY KEY,
              buyer         TEXT NOT NULL UNIQUE REFERENCES buyers (id),
              salt          BLOB NOT NULL CHECK (length(salt) = 16),
              iterations    INTEGER NOT NULL CHECK (iterations >= 210000),
              password_hash BLOB NOT NULL CHECK (length(password_hash) = 32),
              created_at    INTEGER NOT NULL
            ) STRICT""");

    /** Usernames: 3 to 64 ASCII letters, digits, {@code .}, {@code _}, {@code -} or {@code @}; case-insensitive. */
    static final Pattern USERNAME = Pattern.compile("[a-z0-9._@-]{3,64}");

    /** A stored login. */
    record Login(String username, String buyer, Passwords.Hash hash) {
    }

    private final Database database;
    private final Accounts accounts;
    private final Clock clock;

    BuyerLogins(Database database, Accounts accounts, Clock clock) {
        this.database = database;
        this.accounts = accounts;
        this.clock = clock;
    }

    /** The normal form of a username (lower case), or null if it cannot be one. */
    static String normalize(String username) {
        if (username == null || username.length() > 64) {
            return null;
        }
        String u = username.strip().toLowerCase(Locale.ROOT);
        return USERNAME.matcher(u).matches() ? u : null;
    }

    /**
     * Creates a buyer funded with {@code deposit} and its login, in one transaction.
     *
     * @throws IllegalArgumentException if the username is taken
     */
    void createBuyer(String account, byte[] apiKeyHash, long deposit, String source, String username,
                     Passwords.Hash hash) throws SQLException {
        database.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM buyer_logins WHERE username = ?")) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new IllegalArgumentException("username '" + username + "' is already taken");
                    }
                }
            }
            accounts.insertBuyer(c, account, apiKeyHash, deposit, source);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO buyer_logins (username, buyer, salt,"
                    + " iterations, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, username);
                ps.setString(2, account);
                ps.setBytes(3, hash.salt());
                ps.setInt(4, hash.iterations());
                ps.setBytes(5, hash.hash());
                ps.setLong(6, clock.instant().getEpochSecond());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The login of a normalized username, if any. */
    Optional<Login> find(String username) throws SQLException {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT buyer, salt, iterations, password_hash FROM buyer_logins WHERE username = ?")) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Login(username, rs.getString(1),
                            new Passwords.Hash(rs.getBytes(2), rs.getInt(3), rs.getBytes(4))));
                }
            }
        });
    }
}
