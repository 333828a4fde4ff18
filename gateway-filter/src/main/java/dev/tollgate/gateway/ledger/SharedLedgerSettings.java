package dev.tollgate.gateway.ledger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
 * @since 0.5
 */
public record SharedLedgerSettings(String store, URI uri, Optional<String> username, Optional<Path> passwordFile,
                                   Duration commandTimeout, int waitReplicas) {

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
    }
}
