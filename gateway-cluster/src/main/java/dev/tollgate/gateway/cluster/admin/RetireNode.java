package dev.tollgate.gateway.cluster.admin;

import dev.tollgate.gateway.cluster.BudgetLeases;
import dev.tollgate.gateway.cluster.LeaseSettings;
import dev.tollgate.gateway.cluster.LeaseUnavailableException;
import dev.tollgate.gateway.cluster.NodeRetirement;
import dev.tollgate.gateway.cluster.RedisLedgerProvider;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate-retire-node}: an operator returns the unused slices of a cluster node that will not come back
 * (docs/CLUSTER.md, "Retiring a node that will not come back"). Exit code 0 when every lease the node left was
 * retired (or, with {@code --dry-run}, could be), 3 when some are still live (try again once they expire), 1 when
 * Redis cannot be reached, the node is still running or Redis holds no lease of it (a wrong id, or retired already),
 * 2 for a bad command line (a malformed node id, a password file others may read). Prints amounts in micro-units and
 * never a password.
 */
@Command(name = "tollgate-retire-node", mixinStandardHelpOptions = true, version = "tollgate-retire-node 0.5",
        description = "Returns the unused slices of a cluster node that will not come back to the scrip budgets in "
                + "Redis. Only expired leases are retired; charges the node made after its last report are never "
                + "claimed (docs/CLUSTER.md).")
public final class RetireNode implements Callable<Integer> {

    static final int SOME_LIVE = 3;
    /** A node's id is its ledger's {@code db_id}: 16 lowercase hex digits (LedgerSchema). */
    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{16}");

    @Spec
    private CommandSpec spec;

    @Option(names = "--redis", required = true, paramLabel = "URI",
            description = "redis://host:port or rediss://host:port (TLS), as the nodes' ledger.uri; no credentials")
    private URI redisUri;

    @Option(names = "--username", paramLabel = "USER", description = "the Redis ACL user, as ledger.username")
    private String username;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "a file holding the Redis password, as ledger.password-file")
    private Path passwordFile;

    @Option(names = "--node", required = true, paramLabel = "ID",
            description = "the node's id: its ledger file's db_id, as its claims and the node's log name it")
    private String node;

    @Option(names = "--dry-run", description = "show what would be returned; change nothing")
    private boolean dryRun;

    public static void main(String[] args) {
        System.exit(new CommandLine(new RetireNode()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (redisUri.getUserInfo() != null) {
            err.println("--redis must not carry a user or password: use --username and --password-file");
            return CommandLine.ExitCode.USAGE;
        }
        if (!NODE_ID.matcher(node).matches()) {
            err.println("--node must be a node id: its ledger file's db_id, 16 hex digits as the node's log and its "
                    + "ledger's .cluster marker show it");
            return CommandLine.ExitCode.USAGE;
        }
        if (passwordFile != null) {
            try {
                SharedLedgerSettings.requireSecretFile(passwordFile);
            } catch (IllegalArgumentException e) {
                err.println("--password-file: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
        }
        List<NodeRetirement.Outcome> outcomes;
        try {
            RedisURI uri = RedisLedgerProvider.redisUri(redisUri, Optional.ofNullable(username),
                    Optional.ofNullable(passwordFile));
            try (BudgetLeases redis = BudgetLeases.connect(uri, node, LeaseSettings.defaults())) {
                outcomes = new NodeRetirement(redis).retire(dryRun);
            }
        } catch (IOException | LeaseUnavailableException | IllegalStateException e) {
            err.println("node " + node + " not retired: " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
        return report(outcomes, out);
    }

    private int report(List<NodeRetirement.Outcome> outcomes, PrintWriter out) {
        long returned = 0;
        int live = 0;
        int retired = 0;
        for (NodeRetirement.Outcome o : outcomes) {
            String scrip = "scrip " + o.scrip().jti() + " of " + o.scrip().issuer();
            switch (o.kind()) {
                case RETIRED -> out.printf("retired       %s: returned %d micro-units (held %d, last reported %d)%n",
                        scrip, o.returnedMicros(), o.heldMicros(), o.usedMicros());
                case WOULD_RETIRE -> out.printf("would retire  %s: would return %d micro-units (held %d, last "
                        + "reported %d)%n", scrip, o.returnedMicros(), o.heldMicros(), o.usedMicros());
                case LIVE -> out.printf("live          %s: its lease runs until %d (Redis ms), not retired%n", scrip,
                        o.untilMillis());
                default -> out.printf("gone          %s: no record in Redis, nothing to return%n", scrip);
            }
            returned += o.returnedMicros();
            live += o.kind() == NodeRetirement.Kind.LIVE ? 1 : 0;
            retired += o.kind() == NodeRetirement.Kind.RETIRED || o.kind() == NodeRetirement.Kind.WOULD_RETIRE ? 1 : 0;
        }
        out.printf("node %s: %s %d micro-units on %d scrip; %d live lease(s) left%n", node,
                dryRun ? "would return" : "returned", returned, retired, live);
        out.flush();
        return live == 0 ? CommandLine.ExitCode.OK : SOME_LIVE;
    }
}
