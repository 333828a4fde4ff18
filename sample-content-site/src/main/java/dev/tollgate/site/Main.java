package dev.tollgate.site;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code java -jar sample-content-site.jar}: the reference broker and the demo site in one process (see
 * {@link Options#USAGE}). Exit status: 0 after a clean stop, 1 if the demo could not start, 2 for a usage error.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int status = run(List.of(args), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.contains("--help") || args.contains("-h")) {
            out.println(Options.USAGE);
            return 0;
        }
        if (args.equals(List.of("--hash-password"))) {
            return hashPassword(out, err);
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("sample-content-site: " + e.getMessage());
            err.println(Options.USAGE);
            return 2;
        }
        DemoSite site;
        try {
            site = DemoSite.start(options);
        } catch (Exception e) {
            err.println("sample-content-site: cannot start: " + e.getMessage());
            return 1;
        }
        AtomicReference<DemoSite> running = new AtomicReference<>(site);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DemoSite s = running.getAndSet(null);
            if (s != null) {
                s.close();
            }
        }, "demo-shutdown"));
        out.println(banner(site));
        site.join();
        return 0;
    }

    static String banner(DemoSite site) {
        StringBuilder b = new StringBuilder("\n=== Tollgate demo ===\n")
                .append("Site:       ").append(site.siteUri()).append(site.httpUri()
                        .map(http -> "   (plain HTTP " + http + " redirects)").orElse("   (HTTPS only: the plain-HTTP "
                                + "port was taken)")).append('\n')
                .append(cluster(site.options()))
                .append("Brokers:    ").append(site.brokerUri()).append(" and ").append(site.secondBrokerUri())
                .append(site.options().runsBrokers() ? "   (two separate brokers: the site accepts both)\n"
                        : "   (node 1's: this node runs none)\n")
                .append("Dashboard:  ").append(site.siteUri().resolve("/admin")).append("   user admin, ");
        b.append(site.admin().generated().map(p -> "password " + p + "   (shown once; stored hashed in "
                + site.admin().source() + ")").orElse("password as set before (hash in " + site.admin().source() + ")")).append('\n');
        b.append(buyer("Demo buyer: log in at ", site.brokerUri(), site.buyer()))
                .append(buyer("            or at ", site.secondBrokerUri(), site.secondBuyer()))
                .append("Certificate (self-signed, trust it or accept the browser warning): ")
                .append(site.tls().certificatePem()).append('\n');
        return b.toString();
    }

    /** The banner's line for a cluster node: which node, on which Redis, where its ledger is. */
    private static String cluster(Options options) {
        ClusterNode node = options.cluster();
        return node == null ? "" : "Cluster:    node " + node.number() + " on " + node.redis() + ", its ledger in "
                + node.nodeData(options.data()) + (node.number() == 1 ? "   (node 2: the same flags and --node 2)\n"
                        : "   (buyers return through node 1's site, the cluster's origin)\n");
    }

    private static String buyer(String lead, java.net.URI broker, DemoSite.DemoBuyer buyer) {
        return lead + broker + " as " + buyer.username() + " / " + buyer.password() + "\n            account "
                + buyer.account() + ", API key " + buyer.apiKey() + '\n';
    }

    private static int hashPassword(PrintStream out, PrintStream err) throws Exception {
        Console console = System.console();
        String password;
        if (console != null) {
            char[] typed = console.readPassword("Admin password: ");
            password = typed == null ? null : new String(typed);
        } else {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.length() < 12) {
            err.println("sample-content-site: the admin password must be at least 12 characters");
            return 2;
        }
        out.println(AdminPassword.hash(password));
        return 0;
    }
}
