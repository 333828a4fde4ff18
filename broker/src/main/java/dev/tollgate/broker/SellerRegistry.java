package dev.tollgate.broker;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The registered sellers: registering one (its id and its key each at most once) and finding one by id or by the
 * RFC 7638 thumbprint of its key, which is how a seller-signed request names its signer. Thread-safe.
 */
final class SellerRegistry {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Clock clock;

    SellerRegistry(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    Optional<Seller> seller(String id) throws SQLException {
        return sellerWhere("id", id);
    }

    /** The seller whose registered public key has this RFC 7638 thumbprint. */
    Optional<Seller> sellerByKeyThumbprint(String thumbprint) throws SQLException {
        return sellerWhere("key_thumbprint", thumbprint);
    }

    private Optional<Seller> sellerWhere(String column, String value) throws SQLException {
        return database.query(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, public_key, origins FROM sellers WHERE " + column + " = ?")) {
                ps.setString(1, value);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    List<String> origins;
                    try {
                        origins = List.of(JSON.readValue(rs.getString(4), String[].class));
                    } catch (JsonProcessingException e) {
                        throw new SQLException("seller " + rs.getString(1) + " has unreadable origins", e);
                    }
                    return Optional.of(new Seller(rs.getString(1), rs.getString(2), rs.getString(3), origins));
                }
            }
        });
    }

    /** @throws IllegalArgumentException if a seller with this id, or with this key, exists */
    void insertSeller(Seller seller) throws SQLException {
        database.write(c -> {
            try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM sellers WHERE id = ?")) {
                check.setString(1, seller.id());
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        throw new IllegalArgumentException("seller '" + seller.id() + "' is already registered");
                    }
                }
            }
            String thumbprint = seller.keyThumbprint();
            try (PreparedStatement check = c.prepareStatement("SELECT id FROM sellers WHERE key_thumbprint = ?")) {
                check.setString(1, thumbprint);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        throw new IllegalArgumentException("this public key is already registered to seller '"
                                + rs.getString(1) + "'; every seller needs its own key");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sellers (id, name, public_key, origins,"
                    + " credited, created_at, key_thumbprint) VALUES (?, ?, ?, ?, 0, ?, ?)")) {
                ps.setString(1, seller.id());
                ps.setString(2, seller.name());
                ps.setString(3, seller.publicKey());
                ps.setString(4, JSON.writeValueAsString(seller.origins()));
                ps.setLong(5, clock.instant().getEpochSecond());
                ps.setString(6, thumbprint);
                ps.executeUpdate();
            } catch (JsonProcessingException e) {
                throw new SQLException(e);
            }
            return null;
        });
    }
}
