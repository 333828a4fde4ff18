package dev.tollgate.broker;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of the broker's runnable jar.
 *
 * <pre>
 * java -jar broker.jar [serve] --data DIR --issuer URL [--port 8444] [--host 127.0.0.1] [--demo] [--currency USD]
 *                              [--keystore FILE --keystore-password-file FILE] [--settlement-grace 24h]
 * java -jar broker.jar register-seller --data DIR --id ID --name NAME --public-key KEY|@FILE --origin URL...
 * java -jar broker.jar rotate-key --data DIR
 * java -jar broker.jar create-demo-buyer --data DIR --username NAME [--deposit 5000000]
 * </pre>
 *
 * <p>Exit status: 0 on success, 1 if the operation failed, 2 for a usage error.
 *
 * @since 0.1
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage:",
            "  java -jar broker.jar [serve] --data DIR --issuer URL [--port 8444] [--host 127.0.0.1] [--demo]",
            "                              [--currency USD] [--keystore FILE --keystore-password-file FILE]",
            "                              [--settlement-grace 24h]",
            "  java -jar broker.jar register-seller --data DIR --id ID --name NAME --public-key JWK|BASE64|@FILE",
            "                              --origin URL [--origin URL ...]",
            "  java -jar broker.jar rotate-key --data DIR",
            "  java -jar broker.jar create-demo-buyer --data DIR --username NAME [--deposit MICROS]");

    private static final Set<String> FLAGS = Set.of("--demo");
    private static final Set<String> REPEATABLE = Set.of("--origin");

    private Main() {
    }

    /** Runs a command; {@code serve} blocks until the JVM is stopped. */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs a command and returns its exit status. {@code serve} blocks until the JVM shuts down. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(List.of(args));
        String command = !rest.isEmpty() && !rest.get(0).startsWith("--") ? rest.remove(0) : "serve";
        Map<String, List<String>> options;
        try {
            options = parse(rest);
            switch (command) {
                case "serve":
                    return serve(options, out);
                case "register-seller":
                    return registerSeller(options, out);
                case "rotate-key":
                    return rotateKey(options, out);
                case "create-demo-buyer":
                    return createDemoBuyer(options, out);
                case "help":
                case "--help":
                    out.println(USAGE);
                    return 0;
                default:
                    throw new UsageException("unknown command '" + command + "'");
            }
        } catch (UsageException e) {
            err.println("broker: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            err.println("broker: " + e.getMessage());
            return 1;
        }
    }

    private static int serve(Map<String, List<String>> options, PrintStream out) throws UsageException, IOException {
        allowOnly(options, "--data", "--issuer", "--port", "--host", "--demo", "--currency", "--keystore",
                "--keystore-password-file", "--settlement-grace");
        Broker.Builder builder = Broker.builder()
                .dataDir(Path.of(required(options, "--data")))
                .issuer(required(options, "--issuer"))
                .demoMode(options.containsKey("--demo"));
        String port = optional(options, "--port");
        if (port != null) {
            try {
                builder.port(Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new UsageException("--port must be a number, got '" + port + "'");
            }
        }
        if (optional(options, "--host") != null) {
            builder.host(optional(options, "--host"));
        }
        if (optional(options, "--currency") != null) {
            builder.currency(optional(options, "--currency"));
        }
        String grace = optional(options, "--settlement-grace");
        if (grace != null) {
            builder.settlementGrace(duration("--settlement-grace", grace));
        }
        String keystore = optional(options, "--keystore");
        String passwordFile = optional(options, "--keystore-password-file");
        if ((keystore == null) != (passwordFile == null)) {
            throw new UsageException("--keystore and --keystore-password-file go together");
        }
        if (keystore != null) {
            String password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
            builder.tls(Path.of(keystore), password.toCharArray());
        }
        Broker broker = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        out.println("Broker listening on " + broker.baseUri() + "; JWKS at " + broker.jwksUri());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int registerSeller(Map<String, List<String>> options, PrintStream out)
            throws UsageException, IOException {
        allowOnly(options, "--data", "--id", "--name", "--public-key", "--origin");
        String key = required(options, "--public-key");
        if (key.startsWith("@")) {
            key = Files.readString(Path.of(key.substring(1)), StandardCharsets.UTF_8);
        }
        List<String> origins = options.get("--origin");
        if (origins == null) {
            throw new UsageException("--origin is required (repeat it for several origins)");
        }
        Seller seller = Seller.of(required(options, "--id"), required(options, "--name"), key, origins);
        try (Broker broker = Broker.builder().dataDir(Path.of(required(options, "--data"))).build()) {
            broker.registerSeller(seller);
        }
        out.println("Registered seller " + seller.id() + " (" + seller.name() + ") with origins "
                + String.join(", ", seller.origins()));
        return 0;
    }

    private static int rotateKey(Map<String, List<String>> options, PrintStream out) throws UsageException {
        allowOnly(options, "--data");
        try (Broker broker = Broker.builder().dataDir(Path.of(required(options, "--data"))).build()) {
            String previous = broker.currentKid();
            String kid = broker.rotateKey();
            out.println("New signing key " + kid + "; " + previous
                    + " stays published until the scrip it signed has expired");
        }
        return 0;
    }

    /**
     * Creates a buyer funded from nothing (a demo deposit) with a login for the browser pages, and prints the
     * password and API key once. For demo databases only (see {@link DatabaseMode}): real money does not appear from
     * a command line, so a database a broker without {@code --demo} has used is refused.
     */
    private static int createDemoBuyer(Map<String, List<String>> options, PrintStream out) throws UsageException {
        allowOnly(options, "--data", "--username", "--deposit");
        String deposit = optional(options, "--deposit");
        long micros = ScripRules.DEFAULT_DEMO_DEPOSIT_MICROS;
        if (deposit != null) {
            if (!deposit.matches("[0-9]{1,18}")) {
                throw new UsageException("--deposit must be whole micro-units, such as 5000000, got '" + deposit
                        + "'");
            }
            micros = Long.parseLong(deposit);
        }
        try (Broker broker = Broker.builder().dataDir(Path.of(required(options, "--data"))).demoMode(true)
                .build()) {
            DemoBuyer buyer = broker.createDemoBuyer(required(options, "--username"), micros);
            out.println("Created demo buyer " + buyer.username() + " (account " + buyer.account() + ", balance "
                    + micros + " micro-units)");
            out.println("  password: " + buyer.password());
            out.println("  API key:  " + buyer.apiKey());
            out.println("Both are shown only now; the broker keeps their hashes.");
        }
        return 0;
    }

    /** A duration: whole seconds, or a number with {@code s}, {@code m}, {@code h} or {@code d}, or ISO 8601. */
    static java.time.Duration duration(String option, String value) throws UsageException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})([smhd]?)").matcher(value.strip());
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "m" -> java.time.Duration.ofMinutes(n);
                    case "h" -> java.time.Duration.ofHours(n);
                    case "d" -> java.time.Duration.ofDays(n);
                    default -> java.time.Duration.ofSeconds(n);
                };
            }
            return java.time.Duration.parse(value.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw new UsageException(option + " must be a duration such as 24h, 90m, 3600 or PT24H, got '" + value
                    + "'");
        }
    }

    private static Map<String, List<String>> parse(List<String> args) throws UsageException {
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            if (!name.startsWith("--")) {
                throw new UsageException("unexpected argument '" + name + "'");
            }
            String value = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (!FLAGS.contains(name)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(name + " needs a value");
                }
                value = args.get(++i);
            }
            List<String> values = options.computeIfAbsent(name, k -> new ArrayList<>());
            if (!values.isEmpty() && !REPEATABLE.contains(name)) {
                throw new UsageException(name + " is given more than once");
            }
            values.add(value);
        }
        return options;
    }

    private static void allowOnly(Map<String, List<String>> options, String... allowed) throws UsageException {
        Set<String> names = Set.of(allowed);
        for (String name : options.keySet()) {
            if (!names.contains(name)) {
                throw new UsageException("unknown option " + name);
            }
        }
    }

    private static String required(Map<String, List<String>> options, String name) throws UsageException {
        String value = optional(options, name);
        if (value == null || value.isBlank()) {
            throw new UsageException(name + " is required");
        }
        return value;
    }

    private static String optional(Map<String, List<String>> options, String name) {
        List<String> values = options.get(name);
        return values == null ? null : values.get(0);
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
