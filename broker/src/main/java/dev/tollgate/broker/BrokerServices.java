package dev.tollgate.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;

/**
 * What a broker runs on, opened from its data directory and wired once: the database, the signing keys, the
 * pseudonym secret, and the services the HTTP API and the administrative operations call. Each service gets only the
 * parts it uses, and none of them knows {@link Broker}.
 */
record BrokerServices(Database database, KeyRing keys, Accounts accounts, SellerRegistry sellers,
                      Statements statements, Issuer issuer, Settlement settlement, Charges charges,
                      PayWordCertificates certificates, ScripIdempotency idempotency, ScripCancels cancels,
                      BuyerLogins logins) {

    static final String PSEUDONYM_SECRET_FILE = "pseudonym-secret";

    /**
     * Opens the settings' data directory (created owner-only on first use): the keys, the pseudonym secret and the
     * database, migrated; with a demo mode set, also checks or records the kind of database. On failure nothing is
     * left open.
     */
    static BrokerServices open(BrokerSettings settings) throws IOException, SQLException {
        Path dataDir = settings.dataDir();
        Clock clock = settings.clock();
        Database database = null;
        try {
            SecretFiles.createDirectory(dataDir);
            KeyRing keys = KeyRing.open(dataDir, clock);
            byte[] pseudonymSecret = pseudonymSecret(dataDir);
            Path file = dataDir.resolve(Database.FILE);
            if (!Files.exists(file)) {
                // An empty file is an empty SQLite database: created first so that it is owner-only.
                SecretFiles.write(file, new byte[0]);
            }
            database = Database.open(file, settings.busyTimeout());
            if (settings.demoMode() != null) {
                DatabaseMode.require(database, file, settings.demoMode(), clock);
            }
            Accounts accounts = new Accounts(database, clock);
            SellerRegistry sellers = new SellerRegistry(database, clock);
            ScripSigner signer = new ScripSigner(keys);
            String iss = settings.issuer() == null ? "" : settings.issuer();
            ScripIdempotency idempotency = new ScripIdempotency(database, clock, settings.idempotencyKeysPerAccount());
            Issuer issuerService = new Issuer(accounts, sellers, new ScripStore(database), signer, pseudonymSecret,
                    iss, settings.currency(), clock, idempotency);
            SellerTokens sellerTokens = new SellerTokens(sellers, iss, clock);
            PayWordStore payword = new PayWordStore(database);
            Statements statements = new Statements(database);
            Settlement settlement = new Settlement(new Redemptions(database, clock), statements,
                    new ExpiryReturns(database, clock), sellerTokens, new PayWordClaims(payword, iss),
                    settings.settlementGrace());
            Charges charges = new Charges(new ChargeStore(database, clock), sellerTokens, signer, iss);
            PayWordCertificates certificates = new PayWordCertificates(payword, signer, issuerService);
            return new BrokerServices(database, keys, accounts, sellers, statements, issuerService, settlement,
                    charges, certificates, idempotency, new ScripCancels(database, sellerTokens, clock),
                    new BuyerLogins(database, accounts, clock));
        } catch (IOException | SQLException | RuntimeException e) {
            if (database != null) {
                try {
                    database.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static byte[] pseudonymSecret(Path dataDir) throws IOException {
        Path file = dataDir.resolve(PSEUDONYM_SECRET_FILE);
        if (!Files.exists(file)) {
            SecretFiles.write(file, Secrets.randomBytes(32));
        }
        byte[] secret = SecretFiles.read(file);
        if (secret.length != 32) {
            throw new IOException(file + " must hold 32 bytes, found " + secret.length);
        }
        return secret;
    }
}
