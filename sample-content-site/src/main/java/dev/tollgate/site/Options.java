package dev.tollgate.site;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
 */
record Options(int port, int brokerPort, int secondBrokerPort, int httpPort, Path data, Path config,
               Duration settleInterval) {

    static final String USAGE = String.join("\n",
            "usage: java -jar sample-content-site.jar [--port 8443] [--broker-port 8444] [--second-broker-port 8445]",
            "                                         [--http-port 8080] [--data ./data]",
            "                                         [--config config/gateway.yaml]",
            "                                         [--settle-interval SECONDS]",
            "       java -jar sample-content-site.jar --hash-password   (reads a password, prints its hash)",
            "       java -jar sample-content-site.jar --help",
            "",
            "Starts the demo site on https://localhost:<port> and two reference brokers, on",
            "https://localhost:<broker-port> and https://localhost:<second-broker-port>, in one process, with a",
            "self-signed certificate kept under <data>/tls. Plain HTTP on <http-port> redirects to HTTPS.");

    static final Options DEFAULTS = new Options(8443, 8444, 8445, 8080, Path.of("data"),
            Path.of("config", "gateway.yaml"), null);

    /** Parses the flags; throws {@link IllegalArgumentException} with a message naming the bad one. */
    static Options parse(List<String> args) {
        int port = DEFAULTS.port;
        int brokerPort = DEFAULTS.brokerPort;
        int secondBrokerPort = DEFAULTS.secondBrokerPort;
        int httpPort = DEFAULTS.httpPort;
        Path data = DEFAULTS.data;
        Path config = DEFAULTS.config;
        Duration settle = null;
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
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (new HashSet<>(List.of(port, brokerPort, secondBrokerPort, httpPort)).size() < 4) {
            throw new IllegalArgumentException("--port, --broker-port, --second-broker-port and --http-port must "
                    + "differ");
        }
        return new Options(port, brokerPort, secondBrokerPort, httpPort, data, config, settle);
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
