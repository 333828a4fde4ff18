package dev.tollgate.gateway.ledger;

import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Opens a ledger that several gateway nodes share, for a {@code ledger.store} other than {@code sqlite}
 * (docs/CONFIG.md). Found through {@link ServiceLoader} ({@code META-INF/services}), so the filter does not depend on
 * the store's client library: {@code gateway-cluster}'s jar next to the filter's provides {@code redis}
 * (docs/CLUSTER.md). Implementations are thread-safe and have a public no-argument constructor.
 *
 * @since 0.5
 */
public interface LedgerProvider {

    /** The {@code ledger.store} this provider opens, such as {@code redis}. */
    String store();

    /**
     * Opens the shared ledger of this node over {@code node}, the node's own embedded ledger, which keeps its
     * receipts and journal as ever. The returned ledger owns {@code node} and closes it when closed; if this throws,
     * the caller closes {@code node}.
     *
     * @throws LedgerUnavailableException if the shared store cannot be reached now: the gateway does not start
     */
    Ledger open(SqliteLedger node, SharedLedgerSettings settings) throws LedgerUnavailableException;

    /** The provider of {@code store} on the class path (or module path), if any. */
    static Optional<LedgerProvider> find(String store) {
        for (LedgerProvider provider : ServiceLoader.load(LedgerProvider.class, LedgerProvider.class.getClassLoader())) {
            if (provider.store().equals(store)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
