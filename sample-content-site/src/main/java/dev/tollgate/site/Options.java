package dev.tollgate.site;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The command line of the demo. Immutable.
 *
 * @param port the HTTPS port of the site
 * @param brokerPort the HTTPS port of the reference broker
 * @param secondBrokerPort the HTTPS port of the second reference broker: another broker, its own accounts and keys
 * @param httpPort the plain-HTTP port that redirects to HTTPS
 * @param data the data directory: {@code tls/}, {@code broker/}, the admin password, the demo buyer
 * @param config the gateway's config file (the filter's init-param resolves to it)
 * @param settleInterval how often the gateway redeems its charges, when given (the config's
 *     {@code settlement.interval} placeholder reads it)
 * @param cluster with {@code --redis}: this site as one node of a cluster on Redis; {@code null} for a single site
 */
record Options(int port, int brokerPort, int secondBrokerPort, int httpPort, Path data, Path config,
               Duration settleInterval, ClusterNode cluster) {

    static final String USAGE = String.join("\n",
            "usage: java -jar sample-content-site.jar [--port 8443] [--broker-port 8444] [--second-broker-port 8445]",
            "                                         [--http-port 8080] [--data ./data]",
            "                                         [--config config/gateway.yaml]",
            "                                         [--settle-interval SECONDS]",
            "                                         [--redis redis://host:port [--node N]",
            "                                          [--redis-password-file FILE]]",
            "       java -jar sample-content-site.jar --hash-password   (reads a password, prints its hash)",
            "       java -jar sample-content-site.jar --help",
            "",
            "Starts the demo site on https://localhost:<port> and two reference brokers, on",
            "https://localhost:<broker-port> and https://localhost:<second-broker-port>, in one process, with a",
            "self-signed certificate kept under <data>/tls. Plain HTTP on <http-port> redirects to HTTPS.",
            "With --redis the site is node 1 of a cluster on that Redis (ledger.store: redis); start node 2 with the",
            "same flags and --node 2: it listens on <port>+10 and <http-port>+10, uses node 1's brokers and keeps its",
            "ledger in <data>/node-2. The Redis password, if any, only in a file (--redis-password-file), never the URI.");

    static final Options DEFAULTS = new Options(8443, 8444, 8445, 8080, Path.of("data"),
            Path.of("config", "gateway.yaml"), null, null);

    /** A single site (no {@code --redis}). */
    Options(int port, int brokerPort, int secondBrokerPort, int httpPort, Path data, Path config,
            Duration settleInterval) {
        this(port, brokerPort, secondBrokerPort, httpPort, data, config, settleInterval, null);
    }

    /** Parses the flags; throws {@link IllegalArgumentException} with a message naming the bad one. */
    static Options parse(List<String> args) {
        int port = DEFAULTS.port;
        int brokerPort = DEFAULTS.brokerPort;
        int secondBrokerPort = DEFAULTS.secondBrokerPort;
        int httpPort = DEFAULTS.httpPort;
        Path data = DEFAULTS.data;
        Path config = DEFAULTS.config;
        Duration settle = null;
        String redis = null;
        Integer node = null;
        Path redisPasswordFile = null;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            String value;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(name.startsWith("--") ? name + " needs a value"
                            : "unexpected argument '" + name + "'");
                }
                value = args.get(++i);
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(name + " is given more than once");
            }
            switch (name) {
                case "--port" -> port = port(name, value);
                case "--broker-port" -> brokerPort = port(name, value);
                case "--second-broker-port" -> secondBrokerPort = port(name, value);
                case "--http-port" -> httpPort = port(name, value);
                case "--data" -> data = Path.of(value);
                case "--config" -> config = Path.of(value);
                case "--settle-interval" -> settle = Duration.ofSeconds(number(name, value, 1, 3600));
                case "--redis" -> redis = value;
                case "--node" -> node = (int) number(name, value, 1, ClusterNode.MAX_NODES);
                case "--redis-password-file" -> redisPasswordFile = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (redis == null && (node != null || redisPasswordFile != null)) {
            throw new IllegalArgumentException((node != null ? "--node" : "--redis-password-file")
                    + " is for a cluster node: give --redis redis://host:port too");
        }
        ClusterNode cluster = redis == null ? null
                : ClusterNode.of(node == null ? 1 : node, redis, Optional.ofNullable(redisPasswordFile));
        Options options = new Options(port, brokerPort, secondBrokerPort, httpPort, data, config, settle, cluster);
        if (Math.max(options.sitePort(), options.siteHttpPort()) > 65535) {
            throw new IllegalArgumentException("node " + options.node() + " would listen on port "
                    + Math.max(options.sitePort(), options.siteHttpPort()) + ": choose lower --port and --http-port");
        }
        if (new HashSet<>(List.of(options.sitePort(), brokerPort, secondBrokerPort, options.siteHttpPort())).size()
                < 4) {
            throw new IllegalArgumentException("--port, --broker-port, --second-broker-port and --http-port must "
                    + "differ" + (options.node() > 1 ? " (node " + options.node() + " listens on --port + "
                    + ClusterNode.PORT_STEP * (options.node() - 1) + " and --http-port + "
                    + ClusterNode.PORT_STEP * (options.node() - 1) + ")" : ""));
        }
        return options;
    }

    /** This site's number in its cluster: 1 for a single site. */
    int node() {
        return cluster == null ? 1 : cluster.number();
    }

    /** Whether this process runs the demo's brokers: a single site and node 1 do; other nodes use node 1's. */
    boolean runsBrokers() {
        return node() == 1;
    }

    /** The HTTPS port this site listens on: {@code --port}, or node N's, {@code --port} + 10 (N - 1). */
    int sitePort() {
        return port + ClusterNode.PORT_STEP * (node() - 1);
    }

    /** The plain-HTTP port this site redirects from: {@code --http-port}, shifted for node N as {@link #sitePort}. */
    int siteHttpPort() {
        return httpPort + ClusterNode.PORT_STEP * (node() - 1);
    }

    private static int port(String name, String value) {
        return (int) number(name, value, 1, 65535);
    }

    private static long number(String name, String value, long min, long max) {
        try {
            long n = Long.parseLong(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", got '"
                + value + "'");
    }
}
