package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Buyer accounts: creating and funding them (every deposit is recorded in the {@code deposits} ledger, the sum that
 * money conservation is checked against), the hash of each buyer's API key, and the account as its buyer sees it.
 * Thread-safe.
 */
final class Accounts {

    /** A buyer's account, its most recent scrip and its most recent PayWord certificates. */
    record Account(String id, long balance, long reserved, List<ScripStore.ScripRow> scrip,
                   List<PayWordStore.CertificateRow> certificates) {
    }

    private final Database database;
    private final Clock clock;

    Accounts(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Creates a buyer funded with {@code deposit} (recorded in the deposits ledger). */
    void createBuyer(String id, byte[] apiKeyHash, long deposit, String source) throws SQLException {
        database.write(c -> {
            insertBuyer(c, id, apiKeyHash, deposit, source);
            return null;
        });
    }

    /** Inserts a buyer funded with {@code deposit}, inside the caller's transaction. */
    void insertBuyer(Connection c, String id, byte[] apiKeyHash, long deposit, String source) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO buyers (id, api_key_hash, balance, reserved, created_at) VALUES (?, ?, 0, 0, ?)")) {
            ps.setString(1, id);
            ps.setBytes(2, apiKeyHash);
            ps.setLong(3, clock.instant().getEpochSecond());
            ps.executeUpdate();
        }
        if (deposit > 0) {
            insertDeposit(c, id, deposit, source);
        }
    }

    /** Adds {@code amount} to a buyer's balance and records it in the deposits ledger. */
    void deposit(String buyer, long amount, String source) throws SQLException {
        if (amount <= 0) {
            throw new IllegalArgumentException("deposit must be positive, got " + amount);
        }
        database.write(c -> {
            insertDeposit(c, buyer, amount, source);
            return null;
        });
    }

    private void insertDeposit(Connection c, String buyer, long amount, String source) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE buyers SET balance = balance + ? WHERE id = ?")) {
            ps.setLong(1, amount);
            ps.setString(2, buyer);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("no buyer " + buyer);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO deposits (buyer, amount, source, created_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, buyer);
            ps.setLong(2, amount);
            ps.setString(3, source);
            ps.setLong(4, clock.instant().getEpochSecond());
            ps.executeUpdate();
        }
    }

    /**
     * Moves {@code amount} of the buyer's balance to reserved, inside the caller's transaction, if the balance covers
     * it (a scrip's budget, a certificate's limit).
     *
     * @return false, changing nothing, if it does not or there is no such buyer
     */
    static boolean reserve(Connection c, String buyer, long amount) throws SQLException {
        return Database.execute(c, "UPDATE buyers SET balance = balance - ?, reserved = reserved + ? WHERE id = ?"
                + " AND balance >= ?", amount, amount, buyer, amount) == 1;
    }

    /** Moves {@code amount} of the buyer's reserved money back to its balance, inside the caller's transaction. */
    static void releaseReserved(Connection c, String buyer, long amount) throws SQLException {
        Database.update(c, "UPDATE buyers SET reserved = reserved - ?, balance = balance + ? WHERE id = ?"
                + " AND reserved >= ?", amount, amount, buyer, amount);
    }

    /** The stored SHA-256 of the buyer's API key, or null if there is no such buyer. */
    byte[] apiKeyHash(String buyer) throws SQLException {
        return database.query(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT api_key_hash FROM buyers WHERE id = ?")) {
                ps.setString(1, buyer);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    /** The buyer's account with its {@code scripLimit} most recent scrip, newest first; empty if unknown. */
    Optional<Account> account(String buyer, int scripLimit) throws SQLException {
        return database.read(c -> {
            long balance;
            long reserved;
            try (PreparedStatement ps = c.prepareStatement("SELECT balance, reserved FROM buyers WHERE id = ?")) {
                ps.setString(1, buyer);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    balance = rs.getLong(1);
                    reserved = rs.getLong(2);
                }
            }
            List<ScripStore.ScripRow> scrip = ScripStore.recent(c, "buyer", buyer, scripLimit);
            return Optional.of(new Account(buyer, balance, reserved, List.copyOf(scrip),
                    PayWordStore.recentCertificates(c, buyer, scripLimit)));
        });
    }
}
