package dev.tollgate.broker;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.sqlite.SQLiteConfig;

/**
 * The broker's SQLite database: buyers, sellers, the deposits ledger, issued scrip, redemptions and online charges.
 *
 * <p>WAL journal, {@code synchronous=FULL} (a committed reservation survives a power cut), foreign keys on, STRICT
 * tables with {@code CHECK} constraints so that no balance can go negative even through a bug. The schema version is
 * {@code PRAGMA user_version}; {@link #open} applies the missing migrations ({@link Schema}) in one transaction
 * and refuses a database newer than this code.
 *
 * <p>One connection, used under this object's lock: in-process writers are serialized, and writes are
 * {@code BEGIN IMMEDIATE} transactions, so another process (an admin command) waits on SQLite's busy timeout
 * instead of failing. Thread-safe.
 */
final class Store implements AutoCloseable {

    static final String FILE = "broker.db";
    /** How long a write waits for another connection (such as an administrative command) to release the database. */
    static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);


    private static final ObjectMapper JSON = new ObjectMapper();

    /** Outcome of {@link #reserve}. */
    enum Reservation { RESERVED, INSUFFICIENT_FUNDS, UNKNOWN_SELLER, UNKNOWN_BUYER }

    /** One issued scrip as the buyer sees it. */
    record ScripRow(String jti, String seller, long budget, long redeemed, Instant expiresAt, String status) {
    }

    /** A buyer's account, its most recent scrip and its most recent PayWord certificates. */
    record Account(String id, long balance, long reserved, List<ScripRow> scrip,
                   List<PayWordStore.CertificateRow> certificates) {
    }

    /** One entry of a redemption batch: a scrip claim, a verified PayWord claim, or a claim refused already. */
    sealed interface Entry permits Claim, PayWordStore.Claim, Refused {
    }

    /** One claim of a redemption batch: the cumulative amount the seller charged on a scrip. */
    record Claim(String jti, long spent) implements Entry {
    }

    /** A claim refused before the transaction (a PayWord claim that did not verify). */
    record Refused(ClaimResult result) implements Entry {
    }

    /**
     * The outcome of one claim: {@code status} credited, unchanged or refused (with {@code reason}). A scrip claim
     * names its {@code jti}; a PayWord claim its {@code commitmentId} and the highest {@code index} credited.
     */
    record ClaimResult(String jti, String commitmentId, String status, long credited, long redeemed, long index,
                       String reason) {
        static ClaimResult scrip(String jti, String status, long credited, long redeemed) {
            return new ClaimResult(jti, null, status, credited, redeemed, 0, null);
        }

        static ClaimResult refused(String jti, String reason) {
            return new ClaimResult(jti, null, "refused", 0, 0, 0, reason);
        }

        static ClaimResult payword(String commitmentId, String status, long credited, long redeemed, long index) {
            return new ClaimResult(null, commitmentId, status, credited, redeemed, index, null);
        }

        static ClaimResult paywordRefused(String commitmentId, String reason) {
            return new ClaimResult(null, commitmentId, "refused", 0, 0, 0, reason);
        }
    }

    /** The outcome of {@link #charge}. */
    enum ChargeStatus {
        CHARGED, REPEATED, CONFLICT, UNKNOWN_SCRIP, WRONG_SELLER, EXPIRED, INSUFFICIENT_BUDGET,
        /** The seller voided this charge id (before or after it was charged): it is never charged again. */
        VOIDED
    }

    /**
     * The outcome of one online charge. For {@code CHARGED} and {@code REPEATED} (an idempotent retry): the charged
     * {@code amount}, the scrip's {@code redeemed} total right after the charge, its {@code budget} and the time the
     * charge was recorded; for {@code INSUFFICIENT_BUDGET}: the current {@code redeemed} and {@code budget}.
     */
    record ChargeResult(ChargeStatus status, long amount, long redeemed, long budget, long chargedAt) {
        long remaining() {
            return budget - redeemed;
        }

        static ChargeResult refused(ChargeStatus status) {
            return new ChargeResult(status, 0, 0, 0, 0);
        }
    }

    /** A seller's credited total, its most recent scrip and its most recent PayWord commitments. */
    record SellerStatement(String seller, long credited, List<ScripRow> scrip,
                           List<PayWordStore.CommitmentRow> commitments) {
    }

    /** Sums over the whole database, for the conservation invariant. */
    record Totals(long deposits, long balances, long reserved, long credited) {
        boolean conserved() {
            return balances + reserved + credited == deposits;
        }
    }

    private final Connection connection;
    private final Clock clock;

    private Store(Connection connection, Clock clock) {
        this.connection = connection;
        this.clock = clock;
    }

    static Store open(Path file, Clock clock) throws SQLException {
        return open(file, clock, DEFAULT_BUSY_TIMEOUT);
    }

    /** Opens and migrates {@code file}; a write waits at most {@code busyTimeout} for another connection's lock. */
    static Store open(Path file, Clock clock, Duration busyTimeout) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
        Connection connection = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Store store = new Store(connection, clock);
        try {
            store.write(c -> {
                Schema.migrate(c, file);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return store;
    }

    /** Creates a buyer funded with {@code deposit} (recorded in the deposits ledger). */
    void createBuyer(String id, byte[] apiKeyHash, long deposit, String source) throws SQLException {
        write(c -> {
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
        write(c -> {
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

    /** The stored SHA-256 of the buyer's API key, or null if there is no such buyer. */
    synchronized byte[] apiKeyHash(String buyer) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT api_key_hash FROM buyers WHERE id = ?")) {
            ps.setString(1, buyer);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    synchronized Optional<Seller> seller(String id) throws SQLException {
        return sellerWhere("id", id);
    }

    /** The seller whose registered public key has this RFC 7638 thumbprint. */
    synchronized Optional<Seller> sellerByKeyThumbprint(String thumbprint) throws SQLException {
        return sellerWhere("key_thumbprint", thumbprint);
    }

    private Optional<Seller> sellerWhere(String column, String value) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
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
    }

    /** @throws IllegalArgumentException if a seller with this id exists */
    void insertSeller(Seller seller) throws SQLException {
        write(c -> {
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

    /**
     * Moves {@code budget} from the buyer's balance to reserved and records the scrip, in one transaction. Nothing
     * changes unless the result is {@link Reservation#RESERVED}.
     */
    Reservation reserve(String buyer, String seller, String jti, String kid, long budget, Instant issuedAt,
                        Instant expiresAt) throws SQLException {
        return write(c -> reserve(c, buyer, seller, jti, kid, budget, issuedAt, expiresAt));
    }

    /** {@link #reserve} inside the caller's transaction. */
    static Reservation reserve(Connection c, String buyer, String seller, String jti, String kid, long budget,
                               Instant issuedAt, Instant expiresAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sellers WHERE id = ?")) {
            ps.setString(1, seller);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Reservation.UNKNOWN_SELLER;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE buyers SET balance = balance - ?,"
                + " reserved = reserved + ? WHERE id = ? AND balance >= ?")) {
            ps.setLong(1, budget);
            ps.setLong(2, budget);
            ps.setString(3, buyer);
            ps.setLong(4, budget);
            if (ps.executeUpdate() != 1) {
                return apiKeyHashIn(c, buyer) ? Reservation.INSUFFICIENT_FUNDS : Reservation.UNKNOWN_BUYER;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO scrip (jti, buyer, seller, kid, budget,"
                + " redeemed, status, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, 0, 'active', ?, ?)")) {
            ps.setString(1, jti);
            ps.setString(2, buyer);
            ps.setString(3, seller);
            ps.setString(4, kid);
            ps.setLong(5, budget);
            ps.setLong(6, issuedAt.getEpochSecond());
            ps.setLong(7, expiresAt.getEpochSecond());
            ps.executeUpdate();
        }
        return Reservation.RESERVED;
    }

    private static boolean apiKeyHashIn(Connection c, String buyer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM buyers WHERE id = ?")) {
            ps.setString(1, buyer);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The buyer's account with its {@code scripLimit} most recent scrip, newest first; empty if unknown. */
    Optional<Account> account(String buyer, int scripLimit) throws SQLException {
        return read(c -> {
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
            List<ScripRow> scrip = recentScrip(c, "buyer", buyer, scripLimit);
            return Optional.of(new Account(buyer, balance, reserved, List.copyOf(scrip),
                    PayWordStore.recentCertificates(c, buyer, scripLimit)));
        });
    }

    /**
     * Redeems a batch of claims for {@code seller} in one transaction: on each of its scrip, credits
     * {@code min(spent, budget) - redeemed} (if positive) from the buyer's reserved amount to the seller. A scrip
     * whose expiry plus {@code grace} has passed is first returned to its buyer (see {@link #returnExpired}) and the
     * claim refused as {@code expired}. PayWord claims are credited by {@link PayWordStore#redeem} in the same
     * transaction; entries refused before it are answered as they are. Results are in the order of the entries.
     */
    List<ClaimResult> redeem(String seller, String batch, List<? extends Entry> entries, Duration grace)
            throws SQLException {
        return write(c -> {
            long now = clock.instant().getEpochSecond();
            long cutoff = now - grace.getSeconds();
            List<ClaimResult> results = new ArrayList<>(entries.size());
            for (Entry entry : entries) {
                if (entry instanceof Refused refused) {
                    results.add(refused.result());
                    continue;
                }
                if (entry instanceof PayWordStore.Claim payword) {
                    results.add(PayWordStore.redeem(c, seller, batch, payword, now, cutoff));
                    continue;
                }
                Claim claim = (Claim) entry;
                HeldScrip held = heldScrip(c, claim.jti());
                if (held == null) {
                    results.add(ClaimResult.refused(claim.jti(), "unknown_scrip"));
                    continue;
                }
                if (!held.seller().equals(seller)) {
                    results.add(ClaimResult.refused(claim.jti(), "wrong_seller"));
                    continue;
                }
                if (held.status().equals("returned")) {
                    results.add(ClaimResult.refused(claim.jti(), "expired"));
                    continue;
                }
                if (held.expiresAt() <= cutoff) {
                    returnScrip(c, claim.jti(), held.buyer(), held.budget() - held.redeemed(), now);
                    results.add(ClaimResult.refused(claim.jti(), "expired"));
                    continue;
                }
                long delta = Math.min(claim.spent(), held.budget()) - held.redeemed();
                if (delta <= 0) {
                    results.add(ClaimResult.scrip(claim.jti(), "unchanged", 0, held.redeemed()));
                    continue;
                }
                credit(c, claim.jti(), held, batch, delta, now);
                results.add(ClaimResult.scrip(claim.jti(), "credited", delta, held.redeemed() + delta));
            }
            return List.copyOf(results);
        });
    }

    /** A scrip row as a redemption or an online charge reads it, inside its transaction. */
    record HeldScrip(String buyer, String seller, long budget, long redeemed, String status,
                             long expiresAt) {
    }

    /** The scrip {@code jti}, or {@code null} if the broker never issued it. */
    static HeldScrip heldScrip(Connection c, String jti) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT buyer, seller, budget, redeemed, status,"
                + " expires_at FROM scrip WHERE jti = ?")) {
            ps.setString(1, jti);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new HeldScrip(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getString(5), rs.getLong(6)) : null;
            }
        }
    }

    /**
     * Credits the scrip's seller {@code amount} of it: from the buyer's reservation to the seller's credit,
     * {@code redeemed += amount} (only if still {@code held.redeemed}), and a {@code redemptions} row for
     * {@code batch}.
     */
    private static void credit(Connection c, String jti, HeldScrip held, String batch, long amount, long now)
            throws SQLException {
        update(c, "UPDATE buyers SET reserved = reserved - ? WHERE id = ? AND reserved >= ?",
                amount, held.buyer(), amount);
        update(c, "UPDATE sellers SET credited = credited + ? WHERE id = ?", amount, held.seller());
        update(c, "UPDATE scrip SET redeemed = redeemed + ? WHERE jti = ? AND redeemed = ?",
                amount, jti, held.redeemed());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO redemptions (scrip, seller, batch,"
                + " amount, created_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, jti);
            ps.setString(2, held.seller());
            ps.setString(3, batch);
            ps.setLong(4, amount);
            ps.setLong(5, now);
            ps.executeUpdate();
        }
    }

    /**
     * An online charge (docs/PROTOCOL.md section 7), in one transaction: a charge {@code jti} the seller already
     * recorded returns the original result ({@code REPEATED}) if it names the same scrip and amount, else
     * {@code CONFLICT}; otherwise the scrip must exist, be the seller's, be neither expired nor returned, and have
     * {@code amount} left in its budget. Then {@code amount} is credited exactly like a redemption (reserved to the
     * seller's credit, {@code redeemed += amount}, a {@code redemptions} row with batch {@code charge:<jti>}) and the
     * charge recorded. Nothing changes unless the result is {@code CHARGED}.
     */
    ChargeResult charge(String seller, String jti, String scrip, long amount) throws SQLException {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive, got " + amount);
        }
        return write(c -> {
            long now = clock.instant().getEpochSecond();
            try (PreparedStatement ps = c.prepareStatement("SELECT o.scrip, o.amount, o.redeemed, o.created_at,"
                    + " s.budget, o.voided_at IS NOT NULL FROM online_charges o JOIN scrip s ON s.jti = o.scrip"
                    + " WHERE o.seller = ? AND o.jti = ?")) {
                ps.setString(1, seller);
                ps.setString(2, jti);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (!rs.getString(1).equals(scrip) || rs.getLong(2) != amount) {
                            return ChargeResult.refused(ChargeStatus.CONFLICT);
                        }
                        if (rs.getBoolean(6)) {
                            return ChargeResult.refused(ChargeStatus.VOIDED);
                        }
                        return new ChargeResult(ChargeStatus.REPEATED, amount, rs.getLong(3), rs.getLong(5),
                                rs.getLong(4));
                    }
                }
            }
            if (VoidStore.tombstoned(c, seller, jti, now)) {
                return ChargeResult.refused(ChargeStatus.VOIDED);
            }
            HeldScrip held = heldScrip(c, scrip);
            if (held == null) {
                return ChargeResult.refused(ChargeStatus.UNKNOWN_SCRIP);
            }
            if (!held.seller().equals(seller)) {
                return ChargeResult.refused(ChargeStatus.WRONG_SELLER);
            }
            if (held.status().equals("returned") || held.expiresAt() <= now) {
                return ChargeResult.refused(ChargeStatus.EXPIRED);
            }
            long budget = held.budget();
            long redeemed = held.redeemed();
            if (amount > budget - redeemed) {
                return new ChargeResult(ChargeStatus.INSUFFICIENT_BUDGET, 0, redeemed, budget, 0);
            }
            credit(c, scrip, held, "charge:" + jti, amount, now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO online_charges (seller, jti, scrip, amount,"
                    + " redeemed, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, seller);
                ps.setString(2, jti);
                ps.setString(3, scrip);
                ps.setLong(4, amount);
                ps.setLong(5, redeemed + amount);
                ps.setLong(6, now);
                ps.executeUpdate();
            }
            return new ChargeResult(ChargeStatus.CHARGED, amount, redeemed + amount, budget, now);
        });
    }

    /**
     * Voids online charges of {@code seller} (docs/PROTOCOL.md section 7), in one transaction: see {@link VoidStore}.
     *
     * @return the results, or {@code null} if the seller would hold too many tombstones (nothing was voided)
     */
    List<VoidStore.Result> voidCharges(String seller, List<String> charges) throws SQLException {
        return write(c -> VoidStore.voidCharges(c, seller, charges, clock.instant().getEpochSecond()));
    }

    /**
     * Returns every active scrip and PayWord certificate whose expiry plus {@code grace} has passed (of one buyer,
     * or of all if {@code buyer} is null): its unredeemed remainder moves from the buyer's reserved amount back to
     * the balance and its status becomes {@code returned}. One transaction.
     *
     * @return how many scrip and certificates were returned
     */
    int returnExpired(Duration grace, String buyer) throws SQLException {
        return write(c -> {
            long now = clock.instant().getEpochSecond();
            List<Expired> due = expired(c, "SELECT jti, buyer, budget - redeemed FROM scrip WHERE status = 'active'",
                    now - grace.getSeconds(), buyer);
            for (Expired scrip : due) {
                returnScrip(c, scrip.id(), scrip.buyer(), scrip.remainder(), now);
            }
            return due.size() + PayWordStore.returnExpired(c, now, now - grace.getSeconds(), buyer);
        });
    }

    /** A reservation (scrip or certificate) past its expiry and grace: its id, buyer and unredeemed remainder. */
    record Expired(String id, String buyer, long remainder) {
    }

    /**
     * The active reservations {@code select} names (its columns: id, buyer, remainder) whose {@code expires_at} is at
     * or before {@code cutoff}, of {@code buyer} or of all if null.
     */
    static List<Expired> expired(Connection c, String select, long cutoff, String buyer) throws SQLException {
        List<Expired> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(select + " AND expires_at <= ?"
                + (buyer == null ? "" : " AND buyer = ?"))) {
            ps.setLong(1, cutoff);
            if (buyer != null) {
                ps.setString(2, buyer);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Expired(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return due;
    }

    static void returnScrip(Connection c, String jti, String buyer, long remainder, long now)
            throws SQLException {
        if (remainder > 0) {
            update(c, "UPDATE buyers SET reserved = reserved - ?, balance = balance + ? WHERE id = ?"
                    + " AND reserved >= ?", remainder, remainder, buyer, remainder);
        }
        update(c, "UPDATE scrip SET status = 'returned', returned = ?, returned_at = ? WHERE jti = ?"
                + " AND status = 'active'", remainder, now, jti);
    }

    /** Runs an UPDATE that must change exactly one row; anything else is a broken invariant (rolled back). */
    static void update(Connection c, String sql, Object... args) throws SQLException {
        if (execute(c, sql, args) != 1) {
            throw new SQLException("invariant violated, rolled back: " + sql);
        }
    }

    /** Runs an INSERT, UPDATE or DELETE with {@code args}. @return how many rows it changed */
    static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** The most recent scrip of a buyer or a seller ({@code column} is one of those two names), newest first. */
    private static List<ScripRow> recentScrip(Connection c, String column, String id, int limit) throws SQLException {
        List<ScripRow> scrip = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT jti, seller, budget, redeemed, expires_at, status"
                + " FROM scrip WHERE " + column + " = ? ORDER BY issued_at DESC, rowid DESC LIMIT ?")) {
            ps.setString(1, id);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    scrip.add(new ScripRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                            Instant.ofEpochSecond(rs.getLong(5)), rs.getString(6)));
                }
            }
        }
        return scrip;
    }

    /** The seller's credited total and its {@code scripLimit} most recent scrip, newest first. */
    Optional<SellerStatement> statement(String seller, int scripLimit) throws SQLException {
        return read(c -> {
            long credited;
            try (PreparedStatement ps = c.prepareStatement("SELECT credited FROM sellers WHERE id = ?")) {
                ps.setString(1, seller);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    credited = rs.getLong(1);
                }
            }
            List<ScripRow> scrip = recentScrip(c, "seller", seller, scripLimit);
            return Optional.of(new SellerStatement(seller, credited, List.copyOf(scrip),
                    PayWordStore.recentCommitments(c, seller, scripLimit)));
        });
    }

    /** For every seller: {credited, sum of its redemptions minus its voided online charges}; the two must be equal. */
    java.util.Map<String, long[]> creditsBySeller() throws SQLException {
        return read(c -> {
            java.util.Map<String, long[]> out = new java.util.TreeMap<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT s.id, s.credited, (SELECT coalesce(sum(amount), 0)"
                         + " FROM redemptions r WHERE r.seller = s.id) + (SELECT coalesce(sum(amount), 0)"
                         + " FROM payword_redemptions p WHERE p.seller = s.id) - (SELECT coalesce(sum(amount), 0)"
                         + " FROM online_charges o WHERE o.seller = s.id AND o.voided_at IS NOT NULL)"
                         + " FROM sellers s")) {
                while (rs.next()) {
                    out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            return out;
        });
    }

    /** Sums of deposits, balances, reserved amounts and seller credits, read in one snapshot. */
    Totals totals() throws SQLException {
        return read(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT coalesce(sum(amount), 0) FROM deposits),"
                         + " (SELECT coalesce(sum(balance), 0) FROM buyers),"
                         + " (SELECT coalesce(sum(reserved), 0) FROM buyers),"
                         + " (SELECT coalesce(sum(credited), 0) FROM sellers)")) {
                return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            }
        });
    }

    @Override
    public synchronized void close() throws SQLException {
        connection.close();
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a {@code BEGIN IMMEDIATE} transaction under this store's lock. */
    synchronized <T> T write(Work<T> work) throws SQLException {
        return transaction("BEGIN IMMEDIATE", work);
    }

    /** Runs {@code work} in a read transaction (one snapshot) under this store's lock. */
    synchronized <T> T read(Work<T> work) throws SQLException {
        return transaction("BEGIN", work);
    }

    /**
     * Runs {@code work} between {@code begin} and COMMIT. If the work or the COMMIT fails, the transaction is rolled
     * back: a COMMIT can fail and leave the transaction open (a deferred constraint, an I/O error), and an open
     * transaction would refuse every later BEGIN on this one connection.
     */
    private <T> T transaction(String begin, Work<T> work) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(begin);
            try {
                T result = work.run(connection);
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(st);
                throw e;
            }
        }
    }

    private static void rollback(Statement st) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // The transaction is already gone (SQLite rolls back on some errors by itself).
        }
    }
}
