package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerProvider;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.gateway.ledger.SqliteLedger;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code ledger.store: redis}: a {@link RedisLedger} on the node's embedded ledger, its node id the ledger file's
 * database id. Found by the filter through {@link java.util.ServiceLoader}. The password is read from its file here,
 * at start, and handed to Lettuce only: never logged, never kept in the config.
 */
public final class RedisLedgerProvider implements LedgerProvider {

    @Override
    public String store() {
        return "redis";
    }

    @Override
    public Ledger open(SqliteLedger node, SharedLedgerSettings settings) throws LedgerUnavailableException {
        RedisURI uri;
        try {
            uri = redisUri(settings.uri(), settings.username(), settings.passwordFile());
        } catch (IOException e) {
            throw new LedgerUnavailableException(e.getMessage(), e);
        }
        LeaseSettings leaseSettings = LeaseSettings.defaults().withTtl(settings.slices().leaseTtl())
                .withCommandTimeout(settings.commandTimeout()).withWaitReplicas(settings.waitReplicas());
        BudgetLeases leases;
        try {
            leases = BudgetLeases.connect(uri, node.databaseId(), leaseSettings);
        } catch (LeaseUnavailableException e) {
            throw new LedgerUnavailableException(e.getMessage(), e);
        }
        try {
            return RedisLedger.open(node, leases, SlicePolicy.of(settings.slices()));
        } catch (LedgerUnavailableException | RuntimeException e) {
            leases.close();
            throw e;
        }
    }

    /**
     * Where Redis is and how to log in: the password read from its file now (a final line break dropped) and handed
     * to Lettuce only. Shared with the operator's commands ({@code admin.RetireNode}).
     *
     * @throws IOException naming the file, never its content, if it cannot be read
     */
    public static RedisURI redisUri(URI where, Optional<String> username, Optional<Path> passwordFile)
            throws IOException {
        RedisURI uri = RedisURI.create(where);
        String password = null;
        if (passwordFile.isPresent()) {
            try {
                password = Files.readString(passwordFile.get(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot read the Redis password file " + passwordFile.get() + ": "
                        + e.getClass().getSimpleName(), e);
            }
            password = password.endsWith("\n") ? password.strip() : password;
        }
        if (password != null || username.isPresent()) {
            RedisCredentials credentials = RedisCredentials.just(username.orElse(null), password);
            uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> credentials));
        }
        return uri;
    }
}
