package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a node reaches the store its {@link LedgerProvider} shares with other nodes, as the config's {@code ledger}
 * section says (docs/CONFIG.md). Holds no secret: the password stays in its file until the provider reads it.
 * Immutable.
 *
 * @param store the {@code ledger.store}, such as {@code redis}
 * @param uri where the store is, such as {@code rediss://redis.internal:6379}; carries no credentials
 * @param username the user to authenticate as, if any
 * @param passwordFile the file whose content (without a final line break) is the password, if any
 * @param commandTimeout how long one command to the store may take before the charge that needs it fails closed
 * @param waitReplicas how many replicas must acknowledge a grant before the node uses it (Redis {@code WAIT}); 0 for
 *     none
 * @param slices how long a lease on a slice of a scrip's budget lasts and how big slices are
 * @since 0.5
 */
public record SharedLedgerSettings(String store, URI uri, Optional<String> username, Optional<Path> passwordFile,
                                   Duration commandTimeout, int waitReplicas, Slices slices) {

    /** One second per command, no replicas awaited. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);

    public SharedLedgerSettings {
        Objects.requireNonNull(store, "store cannot be null.");
        Objects.requireNonNull(uri, "uri cannot be null.");
        Objects.requireNonNull(username, "username cannot be null.");
        Objects.requireNonNull(passwordFile, "passwordFile cannot be null.");
        Objects.requireNonNull(commandTimeout, "commandTimeout cannot be null.");
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("the store's uri must not carry credentials");
        }
        if (waitReplicas < 0) {
            throw new IllegalArgumentException("waitReplicas must not be negative: " + waitReplicas);
        }
        Objects.requireNonNull(slices, "slices cannot be null.");
    }

    /**
     * Checks that {@code file} holds a secret only its owner and group may read: a password any local user can read is
     * no secret; the container's group may read it (root:tomcat 0640). Nodes' config and the operator's commands
     * check their password files with it.
     *
     * @throws IllegalArgumentException naming the file and the fix, never its content
     */
    public static void requireSecretFile(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("'" + file + "' is not a readable file");
        }
        Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
        try {
            if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null
                    && !Collections.disjoint(Files.getPosixFilePermissions(file), others)) {
                throw new IllegalArgumentException("'" + file + "' may be read by any user ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(file))
                        + "): run 'chmod o-rwx " + file + "' and change the Redis password if others could read it");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' is not a readable file");
        }
    }

    /** With the default lease and slice policy ({@link Slices#DEFAULTS}). */
    public SharedLedgerSettings(String store, URI uri, Optional<String> username, Optional<Path> passwordFile,
                                Duration commandTimeout, int waitReplicas) {
        this(store, uri, username, passwordFile, commandTimeout, waitReplicas, Slices.DEFAULTS);
    }

    /**
     * How a node leases slices of a scrip's budget from the shared store and sizes them (docs/CLUSTER.md, "The idea";
     * the config's {@code ledger.lease-ttl} and {@code ledger.slice-*}). The config checks the ranges; the store's
     * provider checks them again. Immutable.
     *
     * @param leaseTtl how long a lease lasts after each refill or report; the node charges a slice for 80 % of it
     * @param spendAhead a refill asks for the scrip's recent spend rate on this node times this
     * @param minCharges a refill asks for at least this many charges of the current price
     * @param maxSharePpm a refill asks for at most this share of the budget, in millionths: what one node that never
     *     returns can strand
     * @param maxScrip the most scrip the node holds slices on at once; a charge on one more fails closed
     * @since 0.5
     */
    public record Slices(Duration leaseTtl, Duration spendAhead, int minCharges, int maxSharePpm, int maxScrip) {

        /** A 30 s lease, 2 s of spend, at least 4 charges, at most a quarter of the budget, up to 65,536 scrip. */
        public static final Slices DEFAULTS = new Slices(Duration.ofSeconds(30), Duration.ofSeconds(2), 4, 250_000,
                65_536);

        public Slices {
            Objects.requireNonNull(leaseTtl, "leaseTtl cannot be null.");
            Objects.requireNonNull(spendAhead, "spendAhead cannot be null.");
        }
    }
}
