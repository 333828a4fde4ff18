package dev.tollgate.bench;

import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * load.sh's check of a cluster case once its {@link ClusterNode}s have stopped: what their ledgers charged, on each
 * scrip and in all, against the scrip's budget and the paid answers wrk counted, and, for nodes on Redis, against
 * what Redis recorded. Each paid answer is one charge of one micro-unit, so the ledgers hold at least the answers and
 * at most as many more as were in flight when wrk stopped (wrk drops those answers). With Redis, every slice was
 * handed back at the nodes' shutdown: each scrip's hash holds {@code used} = the nodes' charges on it and
 * {@code held} = {@code used}. Settlement does not run here (the config's broker has no reachable endpoint), so the
 * ledgers' unsettled totals are their charges.
 *
 * <p>Usage: {@code LedgerTotals <case> <paid answers> <in flight at most> [redis=<URI>] <node folder>...}. Prints
 * what it found and exits 1 if any check fails.
 */
public final class LedgerTotals {

    private LedgerTotals() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        long answered = Long.parseLong(args[1]);
        long inFlight = Long.parseLong(args[2]);
        String redis = null;
        List<Path> nodes = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            if (args[i].startsWith("redis=")) {
                redis = args[i].substring("redis=".length());
            } else {
                nodes.add(Path.of(args[i]));
            }
        }

        Map<String, Long> perScrip = new HashMap<>(); // the Redis key of each scrip -> charged over the nodes
        List<String> perNode = new ArrayList<>();
        long total = 0;
        for (Path node : nodes) {
            long charged = 0;
            try (SqliteLedger ledger = SqliteLedger.open(node.resolve("data").resolve("ledger.db"))) {
                for (ScripTotal scrip : ledger.unsettled(Integer.MAX_VALUE)) {
                    perScrip.merge(budgetKey(scrip.issuer(), scrip.jti()), scrip.chargedMicros(), Long::sum);
                    charged += scrip.chargedMicros();
                }
            }
            perNode.add(node.getFileName() + " " + charged);
            total += charged;
        }
        long most = perScrip.values().stream().mapToLong(Long::longValue).max().orElse(0);
        boolean ok = most <= ScripMint.BUDGET && answered <= total && total <= answered + inFlight;
        System.out.printf("%s: %d scrip charged %d micro-units over %d nodes (%s), at most %d on one scrip (budget"
                        + " %d); wrk counted %d paid answers, and up to %d more were in flight: %s%n", name,
                perScrip.size(), total, nodes.size(), String.join(", ", perNode), most, ScripMint.BUDGET, answered,
                inFlight, ok ? "OK" : "FAILED");
        if (redis != null) {
            ok &= agreesWithRedis(name, redis, perScrip);
        }
        System.exit(ok ? 0 : 1);
    }

    /** Whether every scrip's hash in Redis holds what the nodes' ledgers charged on it, and nothing else is used. */
    private static boolean agreesWithRedis(String name, String uri, Map<String, Long> perScrip) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            List<String> wrong = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            ScanIterator<String> scan = ScanIterator.scan(redis, ScanArgs.Builder.matches("tollgate:{scrip:*}:budget")
                    .limit(1000));
            while (scan.hasNext()) {
                String key = scan.next();
                seen.add(key);
                Map<String, String> hash = new HashMap<>();
                for (KeyValue<String, String> field : redis.hmget(key, "budget", "used", "held")) {
                    hash.put(field.getKey(), field.getValueOrElse("0"));
                }
                long charged = perScrip.getOrDefault(key, 0L);
                if (Long.parseLong(hash.get("used")) != charged || !hash.get("held").equals(hash.get("used"))
                        || Long.parseLong(hash.get("budget")) != ScripMint.BUDGET) {
                    wrong.add(key + " " + hash + " charged " + charged);
                }
            }
            long missing = perScrip.keySet().stream().filter(key -> !seen.contains(key)).count();
            boolean ok = wrong.isEmpty() && missing == 0;
            System.out.printf("%s: Redis has %d scrip hashes; on each, used = the nodes' charges and held = used (every"
                    + " slice handed back at shutdown), budget %d: %s%n", name, seen.size(), ScripMint.BUDGET,
                    ok ? "OK" : "FAILED" + (missing > 0 ? " (" + missing + " charged scrip have none)" : "")
                            + (wrong.isEmpty() ? "" : ", e.g. " + wrong.get(0)));
            return ok;
        } finally {
            client.shutdown();
        }
    }

    /** The key of a scrip's hash in Redis (docs/CLUSTER.md, "State in Redis"). */
    private static String budgetKey(String issuer, String jti) {
        return "tollgate:{scrip:" + issuer.length() + ':' + issuer + ':' + jti + "}:budget";
    }
}
