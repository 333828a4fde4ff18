package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The mark that a node ledger has charged only in cluster mode: {@code <ledger file>.cluster}, holding its
 * {@code db_id}, written the first time the ledger opens as a cluster node, before any cluster charge. A ledger that
 * charged as a single node is refused: its claims under its {@code db_id} would claim those scrip again at the broker,
 * and Redis never knew what it charged on them (docs/CLUSTER.md "Settlement").
 */
final class ClusterMarker {

    private ClusterMarker() {
    }

    /** The marker of {@code node}'s ledger file. */
    static Path of(SqliteLedger node) {
        return SqliteLedger.clusterMarker(node.file());
    }

    /**
     * Checks that {@code node} may charge as a cluster node, and marks it so on its first time.
     *
     * @throws IllegalStateException if the ledger charged without the marker, or the marker names another ledger
     */
    static void require(SqliteLedger node) throws LedgerUnavailableException {
        Path marker = of(node);
        try {
            if (Files.exists(marker)) {
                String id = Files.readString(marker, StandardCharsets.UTF_8).strip();
                if (!id.equals(node.databaseId())) {
                    throw new IllegalStateException("the cluster marker " + marker + " names ledger " + id
                            + " but " + node.file() + " is ledger " + node.databaseId()
                            + ": the ledger file was replaced; a node's ledger must never change (docs/CLUSTER.md)");
                }
                return;
            }
            Sales sales = node.sales(1);
            if (!sales.recent().isEmpty() || sales.settledMicros() > 0 || sales.unsettledMicros() > 0) {
                throw new IllegalStateException("the ledger " + node.file() + " charged as a single node (it has "
                        + "charges and no cluster marker " + marker + "): as a cluster node it would claim those scrip "
                        + "again and Redis would not know them; start the node on a new ledger file, or, only if "
                        + "this ledger never charged outside the cluster (restored without its marker), write its id "
                        + node.databaseId() + " into the marker (docs/CLUSTER.md \"Settlement\")");
            }
            Files.writeString(marker, node.databaseId() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot read or write the cluster marker " + marker + ": "
                    + e.getMessage(), e);
        }
    }
}
