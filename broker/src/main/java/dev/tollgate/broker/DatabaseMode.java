package dev.tollgate.broker;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * Whether the broker's database is a <b>demo database</b>, whose buyers are funded from nothing ({@code --demo}'s
 * {@code POST /v1/accounts}, {@code create-demo-buyer}), or a database for real money. The answer is recorded in the
 * database itself (table {@code database_mode}, one row) so that the two never mix: a broker that serves or funds
 * demo buyers refuses a database that is not a demo database, and a broker that serves without demo mode refuses a
 * demo database.
 *
 * <p>A new database is undecided until the first broker that names a mode opens it: a start with or without demo
 * mode, or {@code create-demo-buyer}. Administrative commands that name no mode ({@code register-seller},
 * {@code rotate-key}) work on either kind and leave an undecided database undecided, so a seller can be registered
 * before the first start. An undecided database holds no money: every way money enters it needs a mode.
 *
 * <p>The database enforces it too: a trigger refuses a {@code demo} deposit unless the database is a demo database,
 * whatever process writes it.
 */
final class DatabaseMode {

    /**
     * The migration that records the mode. A database from before it is taken to be a demo database if it has any
     * buyer: until then the only way a buyer account came to exist was a demo path, funded from nothing (there is no
     * other deposit). A database without buyers holds no money, so either mode is safe for it; it stays undecided and
     * takes the mode of its first start, as a new database does.
     */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE database_mode (
              id         INTEGER PRIMARY KEY CHECK (id = 1),
              demo       INTEGER CHECK (demo IN (0, 1)),
              decided_at INTEGER
            ) STRICT""",
            "INSERT INTO database_mode (id, demo) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM buyers) THEN 1 END",
            """
            CREATE TRIGGER demo_deposits_only_in_a_demo_database BEFORE INSERT ON deposits
            WHEN NEW.source = 'demo' AND (SELECT demo FROM database_mode WHERE id = 1) IS NOT 1
            BEGIN
              SELECT RAISE(ABORT, 'a demo deposit is refused: this is not a demo database');
            END""");

    private DatabaseMode() {
    }

    /**
     * Records {@code demo} as the mode of an undecided database, or checks it against the recorded one.
     *
     * @param file the database file, for the message
     * @throws IllegalStateException if the database was decided the other way
     */
    static void require(Database database, Path file, boolean demo, Clock clock) throws SQLException {
        int recorded = database.write(c -> {
            Database.execute(c, "UPDATE database_mode SET demo = ?, decided_at = ? WHERE id = 1 AND demo IS NULL",
                    demo ? 1 : 0, clock.instant().getEpochSecond());
            try (PreparedStatement ps = c.prepareStatement("SELECT demo FROM database_mode WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the database has no database_mode row");
                }
                return rs.getInt(1);
            }
        });
        if (demo && recorded != 1) {
            throw new IllegalStateException(file + " is not a demo database (a broker has run on it without demo"
                    + " mode), so demo accounts and demo buyers, funded from nothing, are refused there; use another"
                    + " data directory for a demo");
        }
        if (!demo && recorded != 0) {
            throw new IllegalStateException(file + " is a demo database: its buyers were funded from nothing (--demo,"
                    + " create-demo-buyer), so it is refused without demo mode; start it with --demo, or use a new"
                    + " data directory for real money");
        }
    }
}
