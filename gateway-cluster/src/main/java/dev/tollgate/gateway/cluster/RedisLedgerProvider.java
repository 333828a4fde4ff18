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
import java.nio.file.Files;

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
        RedisURI uri = RedisURI.create(settings.uri());
        String password = null;
        if (settings.passwordFile().isPresent()) {
            try {
                password = Files.readString(settings.passwordFile().get(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new LedgerUnavailableException("cannot read the Redis password file "
                        + settings.passwordFile().get() + ": " + e.getClass().getSimpleName(), e);
            }
            password = password.endsWith("\n") ? password.strip() : password;
        }
        if (password != null || settings.username().isPresent()) {
            RedisCredentials credentials = RedisCredentials.just(settings.username().orElse(null), password);
            uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> credentials));
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
}
